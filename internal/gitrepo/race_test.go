package gitrepo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

// TestPushRace: 16 pushers from separate clones bump one bare remote at
// once, half in remote mode and half from on-disk clones (a checkout Source), over
// file://, smart HTTP and SSH in turn. Ten bump distinct overlays, six fight over one.
// Every distinct bump must land, each request as its own commit, history
// must stay linear, and the contended overlay must end on a tag that was
// asked for.
func TestPushRace(t *testing.T) {
	const workers, distinct = 16, 10
	files := seedFiles()
	for i := range distinct {
		files[fmt.Sprintf("overlays/prod/app%02d/kustomization.yaml", i)] = "tag: v1\n"
	}
	const shared = "overlays/prod/shared/kustomization.yaml"
	files[shared] = "tag: v1\n"
	r := gittest.NewRemote(t, files)
	srv := gittest.NewHTTPServer(t, r, gittest.HTTPAuth{})
	key := gittest.NewKey(t, "")
	sshSrv := gittest.NewSSHServer(t, r, key.Public)
	urls := []string{r.FileURL(), srv.URL(r.Name), sshSrv.URL(r.Name)}
	auth := AuthOptions{SSHKeyFile: key.File, KnownHostsFile: sshSrv.KnownHosts}

	type job struct {
		path, tag string
		url       string
		dir       string // on-disk clone for local mode ("": remote mode)
		local     *Repo
	}
	jobs := make([]job, workers)
	for i := range jobs {
		j := job{path: shared, tag: fmt.Sprintf("c%02d", i), url: urls[i%len(urls)]}
		if i < distinct {
			j.path = fmt.Sprintf("overlays/prod/app%02d/kustomization.yaml", i)
			j.tag = fmt.Sprintf("d%02d", i)
		}
		if i%2 == 1 {
			// Local mode: cloned and committed before the race starts,
			// as gen bump commits before it pushes.
			j.dir = r.Clone(t)
			repo, err := Open(j.dir)
			if err != nil {
				t.Fatal(err)
			}
			gittest.Git(t, r.Home, j.dir, "remote", "set-url", "origin", j.url)
			if _, err := repo.CommitFile(context.Background(), CommitFileRequest{
				Path: j.path, Content: []byte("tag: " + j.tag + "\n"), Meta: raceMeta(j.path, j.tag),
			}); err != nil {
				t.Fatal(err)
			}
			j.local = repo
		}
		jobs[i] = j
	}

	// The default backoff scaled down tenfold so the test stays short: the
	// same growth, so the same spread of retries over time.
	def := DefaultBackoff()
	retry := Retry{Backoff: Backoff{Base: def.Base / 10, Factor: def.Factor, Max: def.Max / 10}}
	start := make(chan struct{})
	results := make([]PushResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep, err := ResolveEndpoint(j.url, auth)
			if err != nil {
				errs[i] = err
				return
			}
			defer ep.Close()
			meta := raceMeta(j.path, j.tag)
			<-start
			if j.local != nil {
				results[i], errs[i] = pushLocal(context.Background(), j.local, localPush{
					Remote: ep, Path: j.path, Meta: meta, Edit: tagEdit(j.tag), Retry: retry,
				})
				return
			}
			rb, err := bumpRemote(context.Background(), remoteBump{Remote: ep, Branch: "main", Path: j.path, Meta: meta, Edit: tagEdit(j.tag), Retry: retry})
			results[i], errs[i] = rb.Push, err
		}()
	}
	close(start)
	wg.Wait()

	maxAttempts := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("pusher %d (%s → %s): %v", i, jobs[i].path, jobs[i].tag, err)
			continue
		}
		if !results[i].Pushed {
			t.Errorf("pusher %d did not push: %+v", i, results[i])
		}
		maxAttempts = max(maxAttempts, results[i].Attempts)
	}
	t.Logf("most attempts any pusher needed: %d of %d", maxAttempts, DefaultMaxAttempts)
	for _, j := range jobs[:distinct] {
		if got := r.Show(t, j.path); got != "tag: "+j.tag {
			t.Errorf("%s = %q, want tag: %s (a distinct bump was lost)", j.path, got, j.tag)
		}
	}
	var asked []string
	for _, j := range jobs[distinct:] {
		asked = append(asked, "tag: "+j.tag)
	}
	if got := r.Show(t, shared); !slices.Contains(asked, got) {
		t.Errorf("contended %s = %q, want one of %v", shared, got, asked)
	}
	// One commit per request: the seed plus 16.
	assertLinear(t, r, 1+workers)
	subjects := r.Git(t, "log", "--format=%s", "main")
	for _, j := range jobs {
		if !strings.Contains(subjects, fmt.Sprintf("bump %s to %s", j.path, j.tag)) {
			t.Errorf("no commit for bump %s to %s in\n%s", j.path, j.tag, subjects)
		}
	}
	// Every local clone ends on the commit it pushed, clean.
	for _, j := range jobs {
		if j.local == nil {
			continue
		}
		head := gittest.Git(t, r.Home, j.dir, "rev-parse", "HEAD")
		if _, err := gittest.GitErr(r.Home, r.Dir, "merge-base", "--is-ancestor", head, "main"); err != nil {
			t.Errorf("clone for %s: HEAD %s is not on the remote's main", j.tag, head)
		}
		if got := gittest.Git(t, r.Home, j.dir, "status", "--porcelain"); got != "" {
			t.Errorf("clone for %s: status %q", j.tag, got)
		}
		if got := gittest.Git(t, r.Home, j.dir, "show", "HEAD:"+j.path); got != "tag: "+j.tag {
			t.Errorf("clone for %s: HEAD has %q", j.tag, got)
		}
	}
	r.Fsck(t)
}

func raceMeta(path, tag string) CommitMeta {
	return testCommitMeta(fmt.Sprintf("bump %s to %s", path, tag))
}
