package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rolloutgen/rolloutgen/internal/gittest"
)

const app1 = "overlays/dev/app1/kustomization.yaml"

func TestPushFileFastForward(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	repo, c := localCommit(t, r.Clone(t), app1, "v2")
	var sl sleeps
	res, err := push(context.Background(), pushRequest{
		Storer: repo.Storer, Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}),
		Branch: "main", Commit: c, Retry: noSleep(&sl),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Attempts != 1 || res.Commit != c || res.Reapplied {
		t.Errorf("result = %+v, want pushed %s in 1 attempt", res, c)
	}
	if got := r.Git(t, "rev-parse", "main"); got != c.String() {
		t.Errorf("remote main = %s, want %s", got, c)
	}
	if got := r.Show(t, app1); got != "tag: v2" {
		t.Errorf("remote %s = %q", app1, got)
	}
	if sl.count() != 0 {
		t.Errorf("slept %d times on a clean push", sl.count())
	}
	r.Fsck(t)
	assertLinear(t, r, 2)
}

func TestPushAlreadyThere(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	dir := r.Clone(t)
	repo, c := localCommit(t, dir, app1, "v2")
	ep := mustEndpoint(t, r.FileURL(), AuthOptions{})
	req := pushRequest{Storer: repo.Storer, Remote: ep, Branch: "main", Commit: c}
	if _, err := push(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	res, err := push(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed || res.Commit != c || res.Attempts != 1 {
		t.Errorf("second push of the same commit = %+v, want not pushed", res)
	}
}

func TestPushNonFastForward(t *testing.T) {
	tests := []struct {
		name string
		// other is what another pusher lands first (nil: delete app1).
		other       map[string]string
		deleteApp1  bool
		wantErr     error
		wantPushed  bool
		wantCommits int // on the remote's main afterwards
		wantApp1    string
		wantApp2    string
	}{
		{name: "other file moved: re-apply and push", other: map[string]string{"overlays/dev/app2/kustomization.yaml": "tag: v9\n"},
			wantPushed: true, wantCommits: 3, wantApp1: "tag: v2", wantApp2: "tag: v9"},
		{name: "same entry, other tag: last writer wins", other: map[string]string{app1: "tag: v7\n"},
			wantPushed: true, wantCommits: 3, wantApp1: "tag: v2", wantApp2: "tag: v1"},
		{name: "remote already has the tag: no new commit", other: map[string]string{app1: "tag: v2\n"},
			wantPushed: false, wantCommits: 2, wantApp1: "tag: v2", wantApp2: "tag: v1"},
		{name: "entry gone: fail at once", other: map[string]string{app1: "images: []\n"},
			wantErr: errEntryGone, wantCommits: 2, wantApp1: "images: []", wantApp2: "tag: v1"},
		{name: "file gone: fail at once", deleteApp1: true,
			wantErr: ErrFileNotFound, wantCommits: 2, wantApp2: "tag: v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.NewRemote(t, seedFiles())
			dir := r.Clone(t)
			repo, c := localCommit(t, dir, app1, "v2")
			if tt.deleteApp1 {
				other := r.Clone(t)
				gittest.Git(t, r.Home, other, "rm", "-q", app1)
				gittest.Git(t, r.Home, other, "commit", "-q", "-m", "remove app1")
				gittest.Git(t, r.Home, other, "push", "-q", "origin", "main")
			} else {
				r.Commit(t, "someone else", tt.other)
			}
			var sl sleeps
			reapplied := 0
			reapply := reapplyEdit(repo.Storer, nil, app1, testCommitMeta("bump app1 to v2"), tagEdit("v2"))
			res, err := push(context.Background(), pushRequest{
				Storer: repo.Storer, Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}),
				Branch: "main", Commit: c, Retry: noSleep(&sl),
				Reapply: func(ctx context.Context, parent *object.Commit) (plumbing.Hash, bool, error) {
					reapplied++
					return reapply(ctx, parent)
				},
			})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if res.Attempts != 1 || reapplied != 1 {
					t.Errorf("attempts %d, re-applies %d; a re-apply error must end the push at once", res.Attempts, reapplied)
				}
				if !strings.Contains(err.Error(), r.FileURL()) || !strings.Contains(err.Error(), "main") {
					t.Errorf("error does not name the remote and branch: %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				wantAttempts := 2
				if !tt.wantPushed {
					wantAttempts = 1
				}
				if res.Attempts != wantAttempts || res.Pushed != tt.wantPushed || !res.Reapplied {
					t.Errorf("result = %+v, want %d attempts, pushed %v, reapplied", res, wantAttempts, tt.wantPushed)
				}
				if got := r.Git(t, "rev-parse", "main"); got != res.Commit.String() {
					t.Errorf("remote main = %s, result commit %s", got, res.Commit)
				}
				if sl.count() != 1 {
					t.Errorf("slept %d times, want 1", sl.count())
				}
			}
			if tt.wantApp1 != "" {
				if got := r.Show(t, app1); got != tt.wantApp1 {
					t.Errorf("remote app1 = %q, want %q", got, tt.wantApp1)
				}
			}
			if got := r.Show(t, "overlays/dev/app2/kustomization.yaml"); got != tt.wantApp2 {
				t.Errorf("remote app2 = %q, want %q", got, tt.wantApp2)
			}
			assertLinear(t, r, tt.wantCommits)
			r.Fsck(t)
		})
	}
}

func TestPushRetriesAreBounded(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	repo, c := localCommit(t, r.Clone(t), app1, "v2")
	var sl sleeps
	reapply := reapplyEdit(repo.Storer, nil, app1, testCommitMeta("bump"), tagEdit("v2"))
	n := 0
	// Every re-apply is overtaken by another push before it is sent.
	r.Commit(t, "race 0", map[string]string{"README.md": "race 0\n"})
	res, err := push(context.Background(), pushRequest{
		Storer: repo.Storer, Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}),
		Branch: "main", Commit: c,
		Retry: Retry{MaxAttempts: 4, Sleep: sl.sleep, Rand: func() float64 { return 0 },
			Backoff: Backoff{Base: time.Second, Factor: 2, Max: 3 * time.Second}},
		Reapply: func(ctx context.Context, parent *object.Commit) (plumbing.Hash, bool, error) {
			n++
			h, changed, err := reapply(ctx, parent)
			r.Commit(t, "race", map[string]string{"README.md": "race " + string(rune('a'+n)) + "\n"})
			return h, changed, err
		},
	})
	if !IsNonFastForward(err) {
		t.Fatalf("err = %v, want non-fast-forward", err)
	}
	if !strings.Contains(err.Error(), "4 attempts") {
		t.Errorf("error does not say how many attempts: %v", err)
	}
	if res.Attempts != 4 || n != 3 {
		t.Errorf("attempts %d, re-applies %d; want 4 and 3", res.Attempts, n)
	}
	// Equal jitter with r=0 waits half of 1s, 2s, 3s (capped).
	want := []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	if len(sl.d) != len(want) {
		t.Fatalf("sleeps %v, want %v", sl.d, want)
	}
	for i := range want {
		if sl.d[i] != want[i] {
			t.Errorf("sleep %d = %v, want %v", i, sl.d[i], want[i])
		}
	}
}

func TestPushWithoutReapplyIsFinal(t *testing.T) {
	r := gittest.NewRemote(t, seedFiles())
	repo, c := localCommit(t, r.Clone(t), app1, "v2")
	r.Commit(t, "other", map[string]string{"README.md": "x\n"})
	res, err := push(context.Background(), pushRequest{
		Storer: repo.Storer, Remote: mustEndpoint(t, r.FileURL(), AuthOptions{}), Branch: "main", Commit: c,
	})
	if !IsNonFastForward(err) || res.Attempts != 1 {
		t.Fatalf("res %+v err %v, want one non-fast-forward attempt", res, err)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Factor: 2, Max: time.Second}
	tests := []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{1, 0.999999, 99999950 * time.Nanosecond},
		{2, 0, 100 * time.Millisecond},
		{4, 0.5, 600 * time.Millisecond},
		{5, 0, 500 * time.Millisecond},
		{50, 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempt, tt.r); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.r, got, tt.want)
		}
	}
}

// TestClassifyPushError: what forges answer when another push won the
// race is retried; a refusal by branch protection or a hook never is, and
// the error says which. The texts are the forges' own, as git push shows
// them (go-git reports a ref's status as "command error on <ref>: …").
func TestClassifyPushError(t *testing.T) {
	for _, tc := range []struct {
		name, status, remote string
		race                 bool
		refusedBy            string
	}{
		{"git: non-fast-forward", "non-fast-forward", "", true, ""},
		{"GitLab: lost the race", "incorrect old value provided", "", true, ""},
		{"GitHub: lost the race", "cannot lock ref 'refs/heads/main': is at 1111111111111111111111111111111111111111 but expected 2222222222222222222222222222222222222222", "", true, ""},
		{"GitHub: protected branch", "protected branch hook declined", "error: GH006: Protected branch update failed for refs/heads/main.", false, "branch protection"},
		{"GitLab: protected branch", "pre-receive hook declined", "GitLab: You are not allowed to push code to protected branches on this project.", false, "branch protection"},
		{"Gitea: protected branch", "pre-receive hook declined", "error: Not allowed to push to protected branch main", false, "branch protection"},
		{"a server hook that mentions a lock", "pre-receive hook declined", "cannot lock ref: policy says no", false, "a server-side hook (pre-receive)"},
		{"update hook", "hook declined", "", false, "a server-side hook"},
		{"something else", "unpacker error", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classifyPushError(fmt.Errorf("command error on refs/heads/main: %s", tc.status), tc.remote)
			if IsNonFastForward(err) != tc.race {
				t.Errorf("retried = %v, want %v: %v", IsNonFastForward(err), tc.race, err)
			}
			refused := errors.Is(err, ErrPushRefused)
			if refused != (tc.refusedBy != "") {
				t.Errorf("refused = %v, want by %q: %v", refused, tc.refusedBy, err)
			}
			if refused && !strings.Contains(err.Error(), "push refused by "+tc.refusedBy+" (not retried)") {
				t.Errorf("error does not say who refused: %v", err)
			}
		})
	}
}
