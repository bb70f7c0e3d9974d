package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestPushLocalReapplySyncsCheckout: a local bump overtaken on the remote
// is re-applied and pushed, and the clone ends on the pushed commit with a
// clean status, the other pusher's files checked out, an unrelated staged
// file still staged, and a reflog entry for the move.
func TestPushLocalReapplySyncsCheckout(t *testing.T) {
	tests := []struct {
		name       string
		other      map[string]string
		fetch      bool // git fetch after the other push, before gen pushes
		wantPushed bool
		wantApp1   string
	}{
		{name: "re-applied", other: map[string]string{
			"overlays/dev/app2/kustomization.yaml":    "tag: v9\n",
			"overlays/prod/newapp/kustomization.yaml": "tag: v1\n",
		}, wantPushed: true, wantApp1: "tag: v2\n"},
		{name: "remote already has it", other: map[string]string{app1: "tag: v2\n", "README.md": "moved\n"}, wantApp1: "tag: v2\n"},
		{name: "same entry, other tag", other: map[string]string{app1: "tag: v5\n"}, wantPushed: true, wantApp1: "tag: v2\n"},
		// The user fetched the other push (gen wait --revision and --pr
		// fetch) but did not pull: the branch is behind its tracking ref,
		// with nothing of its own, so the bump is re-applied all the same.
		{name: "fetched, not pulled", other: map[string]string{"overlays/dev/app2/kustomization.yaml": "tag: v9\n"},
			fetch: true, wantPushed: true, wantApp1: "tag: v2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.NewRemote(t, seedFiles())
			dir := r.Clone(t)
			// Unrelated work in progress that must survive untouched.
			gittest.WriteFiles(t, dir, map[string]string{"staged.txt": "staged\n", "README.md": "local edit\n"})
			gittest.Git(t, r.Home, dir, "add", "staged.txt")
			if tt.other["README.md"] != "" {
				gittest.Git(t, r.Home, dir, "checkout", "--", "README.md")
			}

			repo, meta, _ := commitBumpV2(t, dir)
			r.Commit(t, "someone else", tt.other)
			if tt.fetch {
				gittest.Git(t, r.Home, dir, "fetch", "-q", "origin")
			}
			var sl sleeps
			res, err := pushBumpV2(t, repo, meta, &sl)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Reapplied || res.Pushed != tt.wantPushed {
				t.Errorf("result %+v, want reapplied, pushed %v", res, tt.wantPushed)
			}
			remoteHead := r.Git(t, "rev-parse", "main")
			if got := gittest.Git(t, r.Home, dir, "rev-parse", "HEAD"); got != remoteHead {
				t.Errorf("local HEAD %s, remote main %s", got, remoteHead)
			}
			status := gittest.Git(t, r.Home, dir, "status", "--porcelain")
			wantStatus := "A  staged.txt"
			if tt.other["README.md"] == "" {
				wantStatus = " M README.md\nA  staged.txt"
			}
			if status != wantStatus {
				t.Errorf("git status --porcelain =\n%s\nwant\n%s", status, wantStatus)
			}
			for p, want := range tt.other {
				if p == app1 {
					continue
				}
				if got, _ := os.ReadFile(filepath.Join(dir, p)); string(got) != want {
					t.Errorf("worktree %s = %q, want %q", p, got, want)
				}
			}
			if got, _ := os.ReadFile(filepath.Join(dir, app1)); string(got) != tt.wantApp1 {
				t.Errorf("worktree app1 = %q", got)
			}
			if reflog := gittest.Git(t, r.Home, dir, "reflog", "-1", "--format=%gs"); !strings.Contains(reflog, "gen bump") {
				t.Errorf("reflog = %q, want the move recorded", reflog)
			}
			// The index git would write: the cache-tree is still valid where
			// nothing changed, and write-tree gives back HEAD's tree.
			gittest.Git(t, r.Home, dir, "stash", "-q")
			if wt, head := gittest.Git(t, r.Home, dir, "write-tree"), gittest.Git(t, r.Home, dir, "rev-parse", "HEAD^{tree}"); wt != head {
				t.Errorf("write-tree %s != HEAD^{tree} %s", wt, head)
			}
			gittest.Git(t, r.Home, dir, "fsck", "--strict", "--no-progress")
			r.Fsck(t)
			assertLinear(t, r, 0)
		})
	}
}

// TestPushLocalDirtyChangedPath: the push lands, but a path the remote
// changed is modified locally: the clone is left exactly as it was.
func TestPushLocalDirtyChangedPath(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	repo, meta, cf := commitBumpV2(t, dir)
	r.Commit(t, "someone else", map[string]string{"README.md": "theirs\n"})
	gittest.WriteFiles(t, dir, map[string]string{"README.md": "mine\n"})
	res, err := pushBumpV2(t, repo, meta, &sleeps{})
	if !errors.Is(err, ErrLocalNotSynced) || !errors.Is(err, ErrDirtyFile) || !res.Pushed {
		t.Fatalf("res %+v err %v; want pushed, then ErrLocalNotSynced for the dirty README", res, err)
	}
	if got := gittest.Git(t, r.Home, dir, "rev-parse", "HEAD"); got != cf.Commit.String() {
		t.Errorf("local HEAD moved to %s", got)
	}
	if got := gittest.Git(t, r.Home, dir, "status", "--porcelain"); got != " M README.md" {
		t.Errorf("status = %q", got)
	}
	if got := r.Show(t, app1); got != "tag: v2" {
		t.Errorf("remote app1 = %q", got)
	}
}

// TestPushLocalUnpushedCommitsNotRewritten: with a commit of the user's
// below the bump, a moved remote is final: nothing of theirs is re-applied
// away.
func TestPushLocalUnpushedCommitsNotRewritten(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	gittest.WriteFiles(t, dir, map[string]string{"mine.txt": "mine\n"})
	gittest.Git(t, r.Home, dir, "add", "mine.txt")
	gittest.Git(t, r.Home, dir, "commit", "-q", "-m", "my own work")
	repo, meta, _ := commitBumpV2(t, dir)
	r.Commit(t, "someone else", map[string]string{"README.md": "theirs\n"})
	res, err := pushBumpV2(t, repo, meta, &sleeps{})
	if !IsNonFastForward(err) || res.Attempts != 1 {
		t.Fatalf("res %+v err %v; want one final non-fast-forward", res, err)
	}
}

// TestPushLocalShallowClone: CI checkouts are usually depth 1
// (actions/checkout's default); a re-applied push must work there too and
// leave a repository git fsck accepts.
func TestPushLocalShallowClone(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	r.Commit(t, "second", map[string]string{"README.md": "two\n"})
	dir := filepath.Join(t.TempDir(), "shallow")
	gittest.Git(t, r.Home, t.TempDir(), "clone", "-q", "--depth", "1", r.FileURL(), dir)
	repo, meta, _ := commitBumpV2(t, dir)
	r.Commit(t, "third", map[string]string{"README.md": "three\n"})
	res, err := pushBumpV2(t, repo, meta, &sleeps{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || !res.Reapplied || res.Attempts != 2 {
		t.Errorf("result %+v", res)
	}
	if got := gittest.Git(t, r.Home, dir, "status", "--porcelain"); got != "" {
		t.Errorf("status = %q", got)
	}
	if got := gittest.Git(t, r.Home, dir, "show", "HEAD:README.md"); got != "three" {
		t.Errorf("HEAD README = %q", got)
	}
	gittest.Git(t, r.Home, dir, "fsck", "--strict", "--no-progress")
	r.Fsck(t)
	assertLinear(t, r, 4)
}

// commitBumpV2 opens the clone at dir and commits app1's bump to v2 there,
// as gen bump does before it pushes.
func commitBumpV2(t *testing.T, dir string) (*Repo, CommitMeta, Result) {
	t.Helper()
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	meta := testCommitMeta("bump app1 to v2")
	cf, err := repo.CommitFile(context.Background(), CommitFileRequest{Path: app1, Content: []byte("tag: v2\n"), Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	return repo, meta, cf
}

// pushBumpV2 pushes the bump commitBumpV2 made to the clone's origin,
// re-applying it as v2 if the remote moved; retries record their sleeps in sl
// instead of sleeping.
func pushBumpV2(t *testing.T, repo *Repo, meta CommitMeta, sl *sleeps) (PushResult, error) {
	t.Helper()
	url, err := repo.RemoteURL("origin")
	if err != nil {
		t.Fatal(err)
	}
	return pushLocal(context.Background(), repo, localPush{
		Remote: mustEndpoint(t, url, AuthOptions{}), Path: app1, Meta: meta, Edit: tagEdit("v2"), Retry: noSleep(sl),
	})
}

// TestPushLocalReapplyKeepsCRLFCheckout: in a checkout with
// core.autocrlf=true (Git for Windows' default) the files a re-applied
// push brings in are written as git's checkout writes them, with CRLF
// line endings, and the clone stays clean.
func TestPushLocalReapplyKeepsCRLFCheckout(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	gittest.Git(t, r.Home, dir, "config", "core.autocrlf", "true")
	gittest.Git(t, r.Home, dir, "rm", "-q", "--cached", "-r", ".")
	gittest.Git(t, r.Home, dir, "reset", "-q", "--hard")
	app2 := "overlays/dev/app2/kustomization.yaml"
	if b, _ := os.ReadFile(filepath.Join(dir, app2)); !strings.Contains(string(b), "\r\n") {
		t.Fatalf("the checkout did not convert to CRLF: %q", b)
	}
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	meta := testCommitMeta("bump app1 to v2")
	if _, err := repo.CommitFile(context.Background(), CommitFileRequest{Path: app1, Content: []byte("tag: v2\r\n"), Meta: meta}); err != nil {
		t.Fatal(err)
	}
	r.Commit(t, "someone else", map[string]string{app2: "tag: v9\nreplicas: 3\n"})
	var sl sleeps
	res, err := pushBumpV2(t, repo, meta, &sl)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Reapplied || !res.Pushed {
		t.Fatalf("result %+v, want re-applied and pushed", res)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, app2)); string(b) != "tag: v9\r\nreplicas: 3\r\n" {
		t.Errorf("%s in the worktree: %q, want the remote's content with CRLF, as git checks it out", app2, b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, app1)); string(b) != "tag: v2\r\n" {
		t.Errorf("%s in the worktree: %q, want %q", app1, b, "tag: v2\r\n")
	}
	if st := gittest.Git(t, r.Home, dir, "status", "--porcelain"); st != "" {
		t.Errorf("git status --porcelain after the sync:\n%s", st)
	}
	if d := gittest.Git(t, r.Home, dir, "diff", "--stat"); d != "" {
		t.Errorf("git diff after the sync:\n%s", d)
	}
}

// TestCheckoutConversion: the line endings a checkout writes, as git's
// convert.c decides them from attributes and core.autocrlf/core.eol.
func TestCheckoutConversion(t *testing.T) {
	for _, tc := range []struct {
		name string
		conv checkin
		in   string
		want string
	}{
		{"lf output", checkin{action: crlfText}, "a\nb\n", "a\nb\n"},
		{"text crlf", checkin{action: crlfText, crlfOut: true}, "a\nb\r\nc\n", "a\r\nb\r\nc\r\n"},
		{"auto crlf", checkin{action: crlfAuto, crlfOut: true}, "a\nb\n", "a\r\nb\r\n"},
		{"auto keeps a blob with CRs", checkin{action: crlfAuto, crlfOut: true}, "a\r\nb\n", "a\r\nb\n"},
		{"auto keeps binary", checkin{action: crlfAuto, crlfOut: true}, "a\x00\nb\n", "a\x00\nb\n"},
		{"binary", checkin{action: crlfBinary, crlfOut: true}, "a\nb\n", "a\nb\n"},
	} {
		if got := string(tc.conv.toWorktree([]byte(tc.in))); got != tc.want {
			t.Errorf("%s: %q -> %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
