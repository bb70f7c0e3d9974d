package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/revlist"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage"
)

// errAlreadyThere: the remote branch already points at the commit.
var errAlreadyThere = errors.New("remote already at commit")

// sendPack updates ref on the remote from its advertised head to commit, as
// a compare-and-swap: the command carries the old hash we checked, so
// receive-pack refuses it if another push landed in between.
//
// This replaces go-git's Remote.Push for three reasons. Its fast-forward
// check walks history and, in a depth-1 clone, fails with "object not found"
// instead of reporting a non-fast-forward. It computes what to send by
// walking every tree of the remote head (40k entries in a monorepo) where a
// one-file bump needs only the objects on the changed path. And it can push
// only a ref, while a re-applied commit must be pushed before the local
// branch is moved to it.
//
// before, when set, runs once the remote head is known and before anything
// is sent (the pre-push hook, as git push runs it); its error is returned
// as is.
func sendPack(ctx context.Context, s storage.Storer, ep *Endpoint, ref plumbing.ReferenceName, commit plumbing.Hash, before func(old plumbing.Hash) error) (err error) {
	return sendPackWith(ctx, s, ep, ref, commit, sendOptions{before: before})
}

// sendOptions are sendPack's variations.
type sendOptions struct {
	// before: the pre-push hook (sendPack).
	before func(old plumbing.Hash) error
	// lease, when set, makes the update a force push with lease: the
	// remote ref must be at *lease (zero: absent), whatever it is an
	// ancestor of; otherwise ErrStaleLease. base is a commit the remote
	// has (the pull request's target head): objects are sent against it.
	lease *plumbing.Hash
	base  plumbing.Hash
}

// ErrStaleLease: a force push with lease found the remote branch somewhere
// other than where gen last saw it (someone pushed to it meanwhile).
var ErrStaleLease = errors.New("the remote branch moved since it was read (stale lease)")

func sendPackWith(ctx context.Context, s storage.Storer, ep *Endpoint, ref plumbing.ReferenceName, commit plumbing.Hash, opt sendOptions) (err error) {
	before := opt.before
	tep, err := transport.NewEndpoint(ep.URL)
	if err != nil {
		return err
	}
	cl, err := client.NewClient(tep)
	if err != nil {
		return err
	}
	sess, err := cl.NewReceivePackSession(tep, ep.auth)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sess.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return err
	}
	old := plumbing.ZeroHash
	if ar != nil {
		refs, err := ar.AllReferences()
		if err != nil {
			return err
		}
		if r, err := refs.Reference(ref); err == nil {
			old = r.Hash()
		}
	}
	if old == commit {
		return errAlreadyThere
	}
	have := old
	if opt.lease != nil {
		if old != *opt.lease {
			return fmt.Errorf("%w: %s is at %s, expected %s", ErrStaleLease, ref.Short(), shortOrNone(old), shortOrNone(*opt.lease))
		}
		have = opt.base
	}
	if ar == nil {
		return errors.New("remote advertised no capabilities")
	}
	if before != nil {
		if err := before(old); err != nil {
			return err
		}
	}
	objs, err := objectsToSend(s, ref, commit, have)
	if err != nil {
		return err
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	req.Commands = []*packp.Command{{Name: ref, Old: old, New: commit}}
	// The server's messages (a hook's reasons for refusing the push) come
	// on the side band; git prints them as "remote: …" lines, and so do
	// the errors here.
	var remoteMsgs bytes.Buffer
	if ar.Capabilities.Supports(capability.Sideband64k) {
		_ = req.Capabilities.Set(capability.Sideband64k)
		req.Progress = &remoteMsgs
	} else if ar.Capabilities.Supports(capability.Sideband) {
		_ = req.Capabilities.Set(capability.Sideband)
		req.Progress = &remoteMsgs
	}
	useRefDeltas := !ar.Capabilities.Supports(capability.OFSDelta)

	pr, pw := io.Pipe()
	req.Packfile = pr
	encoded := make(chan error, 1)
	go func() {
		// Window 0: the few new objects gain nothing from delta search, and
		// go-git sends no thin packs, so there is no base to delta against.
		_, err := packfile.NewEncoder(pw, s, useRefDeltas).Encode(objs, 0)
		encoded <- pw.CloseWithError(err)
	}()
	rs, err := sess.ReceivePack(ctx, req)
	if err != nil {
		_ = pr.Close()
		<-encoded
		return withRemoteLines(classifyPushError(err, remoteMsgs.String()), remoteMsgs.String())
	}
	if err := <-encoded; err != nil {
		return err
	}
	if rs != nil {
		if err := rs.Error(); err != nil {
			return withRemoteLines(classifyPushError(err, remoteMsgs.String()), remoteMsgs.String())
		}
	}
	return nil
}

// withRemoteLines appends the server's messages to err as git shows them,
// one "remote: " line each; control characters (a terminal's escape
// codes, carriage returns of progress meters) are dropped, since the
// server is not trusted to write to the user's terminal.
func withRemoteLines(err error, msgs string) error {
	var lines []string
	for _, l := range strings.FieldsFunc(msgs, func(r rune) bool { return r == '\n' || r == '\r' }) {
		l = strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, l))
		if l != "" {
			lines = append(lines, "remote: "+l)
		}
	}
	if len(lines) == 0 {
		return err
	}
	return fmt.Errorf("%w\n%s", err, strings.Join(lines, "\n"))
}

// errNotAncestor is what objectsToSend reports when the remote head is not
// in the commit's history: the remote moved on.
func errNotAncestor(ref plumbing.ReferenceName, old plumbing.Hash) error {
	return fmt.Errorf("%w: %s is at %s", ErrNonFastForward, ref.Short(), old)
}

// ErrPushRefused: the remote refused the push on purpose — branch
// protection or a server-side hook — and retrying cannot help. The error
// says which (PushRefusal).
var ErrPushRefused = errors.New("push refused")

// raceMarks are receive-pack's and the forges' words for "the ref moved
// under you": our compare-and-swap lost to another push (the old hash no
// longer matches, or that push held the ref's lock at that instant).
// GitLab says "incorrect old value provided", GitHub "cannot lock ref".
var raceMarks = []string{"non-fast-forward", "fetch first", "failed to update ref", "failed to lock", "cannot lock ref", "stale info", "but expected", "incorrect old value provided"}

// refusalMarks are the words of a refusal, checked first: a protected
// branch's hook may well mention a ref it could not update.
var refusalMarks = []struct{ mark, by string }{
	{"protected branch", "branch protection"},
	{"gh006", "branch protection"},
	{"not allowed to push", "branch protection"},
	{"not allowed to force push", "branch protection"},
	{"changes must be made through a pull request", "branch protection"},
	{"pre-receive hook declined", "a server-side hook (pre-receive)"},
	{"update hook declined", "a server-side hook (update)"},
	{"hook declined", "a server-side hook"},
}

// classifyPushError sorts receive-pack's answer, with the server's
// messages (msgs): a refusal by branch protection or a hook is final
// (ErrPushRefused, naming which); a lost race is ErrNonFastForward, which
// push retries; anything else stays final as it is.
func classifyPushError(err error, msgs string) error {
	text := strings.ToLower(err.Error() + "\n" + msgs)
	for _, r := range refusalMarks {
		if strings.Contains(text, r.mark) {
			return fmt.Errorf("%w by %s (not retried): %w", ErrPushRefused, r.by, err)
		}
	}
	for _, s := range raceMarks {
		if strings.Contains(text, s) {
			return fmt.Errorf("%w: %w", ErrNonFastForward, err)
		}
	}
	return err
}

// objectsToSend lists the objects the remote lacks, given that it has old.
// For the usual bump (one commit on top of old) that is the commit plus the
// trees and blobs that differ from old's tree, found by descending only into
// subtrees whose hashes differ. Otherwise (several local commits ahead) it
// falls back to a revlist walk. If old is not an ancestor of commit the push
// would not be a fast-forward: ErrNonFastForward.
func objectsToSend(s storage.Storer, ref plumbing.ReferenceName, commit, old plumbing.Hash) ([]plumbing.Hash, error) {
	c, err := object.GetCommit(s, commit)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	if !old.IsZero() && len(c.ParentHashes) == 1 && c.ParentHashes[0] == old {
		parent, err := object.GetCommit(s, old)
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", old, err)
		}
		objs := []plumbing.Hash{commit}
		if err := treeDiffObjects(s, c.TreeHash, parent.TreeHash, &objs); err != nil {
			return nil, err
		}
		return objs, nil
	}
	var haves []plumbing.Hash
	if !old.IsZero() {
		oc, err := object.GetCommit(s, old)
		if err != nil {
			// We do not even have the remote head: it moved on.
			return nil, errNotAncestor(ref, old)
		}
		ok, err := oc.IsAncestor(c)
		if err != nil || !ok {
			return nil, errNotAncestor(ref, old)
		}
		haves = append(haves, old)
	}
	shallow, err := s.Shallow()
	if err != nil {
		return nil, err
	}
	return revlist.Objects(s, []plumbing.Hash{commit}, append(haves, shallow...))
}

// treeDiffObjects appends the hashes of newTree and every tree and blob
// under it that oldTree does not have at the same path (diffTrees), so the
// cost follows the change, not the repository. A gitlink names a commit in
// another repository: nothing to send.
func treeDiffObjects(s storage.Storer, newTree, oldTree plumbing.Hash, out *[]plumbing.Hash) error {
	if newTree == oldTree {
		return nil
	}
	*out = append(*out, newTree)
	return diffTrees(s, "", oldTree, newTree, func(d treeDelta) error {
		if d.inTo && d.to.Mode != filemode.Submodule && !(d.inFrom && d.from.Hash == d.to.Hash) {
			*out = append(*out, d.to.Hash)
		}
		return nil
	})
}

func shortOrNone(h plumbing.Hash) string {
	if h.IsZero() {
		return "(absent)"
	}
	return h.String()[:12]
}
