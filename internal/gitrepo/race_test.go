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
// once, half in remote mode and half from on-disk clones, half over file://
// and half over smart HTTP. Ten bump distinct overlays, six fight over one.
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

	type job struct {
		path, tag string
		remote    bool
		url       string
		dir       string // on-disk clone for local mode
	}
	jobs := make([]job, workers)
	for i := range jobs {
		j := job{path: shared, tag: fmt.Sprintf("c%02d", i), remote: i%2 == 0, url: r.FileURL()}
		if i < distinct {
			j.path = fmt.Sprintf("overlays/prod/app%02d/kustomization.yaml", i)
			j.tag = fmt.Sprintf("d%02d", i)
		}
		if i%4 >= 2 {
			j.url = srv.URL(r.Name)
		}
		if !j.remote {
			j.dir = r.Clone(t) // cloned before the race starts
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
			ep, err := ResolveEndpoint(j.url, AuthOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			defer ep.Close()
			meta := testCommitMeta(fmt.Sprintf("bump %s to %s", j.path, j.tag))
			if j.remote {
				<-start
				rb, err := BumpRemote(context.Background(), RemoteBumpRequest{Remote: ep, Branch: "main", Path: j.path, Meta: meta, Edit: tagEdit(j.tag), Retry: retry})
				results[i], errs[i] = rb.Push, err
				return
			}
			repo, c := localCommit(t, j.dir, j.path, j.tag)
			<-start
			results[i], errs[i] = Push(context.Background(), PushRequest{
				Storer: repo.Storer, Remote: ep, Branch: "main", Commit: c, Retry: retry,
				Reapply: ReapplyEdit(repo.Storer, j.path, meta, tagEdit(j.tag)),
			})
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
	r.Fsck(t)
}
