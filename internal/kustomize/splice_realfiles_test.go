package kustomize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// realModules are the Go modules whose kustomizations the splice is tried
// on: kustomize's own tests and testdata, Argo CD's and Argo Rollouts'
// manifests, at the versions the e2e tools pin (test/e2e/tools/*/go.mod)
// or the project's go.mod. They are read from the module cache at test
// time; nothing fetched is committed.
var realModules = []struct{ path, goMod string }{
	{"sigs.k8s.io/kustomize/api", "../../go.mod"},
	{"github.com/argoproj/argo-cd/v3", "../../test/e2e/tools/argocd/go.mod"},
	{"github.com/argoproj/argo-rollouts", "../../test/e2e/tools/rollouts/go.mod"},
}

// moduleDir returns the module's directory in the module cache,
// downloading it when missing (`go mod download`). Without it the test
// fails when CI is set and skips loudly otherwise.
func moduleDir(t testing.TB, mod, goMod string) string {
	t.Helper()
	version := requiredVersion(t, mod, goMod)
	cmd := exec.Command("go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); err != nil || jerr != nil || info.Dir == "" {
		msg := "go mod download " + mod + "@" + version + " failed: " + info.Error
		if err != nil {
			msg += ": " + err.Error()
		}
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING (fails when CI is set): " + msg)
	}
	return info.Dir
}

// requiredVersion reads mod's version from a go.mod's require lines.
func requiredVersion(t testing.TB, mod, goMod string) string {
	t.Helper()
	f, err := os.Open(goMod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == mod {
			return fields[1]
		}
	}
	t.Fatalf("%s does not require %s", goMod, mod)
	return ""
}

// inlineKustomization matches kustomize's tests' th.WriteK(dir, `...`).
var inlineKustomization = regexp.MustCompile("WriteK\\([^,`]+,\\s*`([^`]*)`")

// realKustomizations collects kustomization files (and the inline ones of
// kustomize's tests) from the real modules, keyed by where they came from.
func realKustomizations(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, m := range realModules {
		dir := moduleDir(t, m.path, m.goMod)
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			isKust := name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization"
			if !isKust && !strings.HasSuffix(name, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(dir), p)
			if isKust {
				files[rel] = data
				return nil
			}
			for i, sub := range inlineKustomization.FindAllSubmatch(data, -1) {
				files[rel+"#"+strconv.Itoa(i)] = sub[1]
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 100 {
		t.Fatalf("found %d real kustomizations, want at least 100: is the module cache complete?", len(files))
	}
	return files
}

// bumpsOf lists the bumps tried on a file: each existing entry to a new
// tag, with and without a digest, and a new entry.
func bumpsOf(data []byte) [][3]string {
	out := [][3]string{{"example.com/new-app", "v2", ""}}
	imgs, err := Images(data)
	if err != nil {
		return out
	}
	for _, im := range imgs {
		if ValidateImageName(im.Name) == nil {
			out = append(out, [3]string{im.Name, "9.9.9", ""}, [3]string{im.Name, "v2", digestB})
		}
	}
	return out
}

// TestSetImageRealFiles: on every real kustomization that kustomize could
// load (one YAML mapping), a bump is a byte splice touching only the
// entry's newTag and digest (or adding lines for them), never an error.
func TestSetImageRealFiles(t *testing.T) {
	files := realKustomizations(t)
	edited := 0
	for name, data := range files {
		if _, err := parseKustomization(data); err != nil {
			continue // not a single mapping: kustomize's error cases, templates
		}
		for _, b := range bumpsOf(data) {
			if _, err := checkSpliceOnly(t, data, b[0], b[1], b[2]); err != nil {
				t.Errorf("%s: SetImage(%q, %q, %q): %v", name, b[0], b[1], b[2], err)
			}
			edited++
		}
	}
	t.Logf("%d real kustomizations, %d bumps checked", len(files), edited)
}

// FuzzSetImageRealFiles starts from the real kustomizations and mutates
// them: whenever SetImage accepts an input, it changed only spliced bytes.
func FuzzSetImageRealFiles(f *testing.F) {
	for _, data := range realKustomizations(f) {
		for _, b := range bumpsOf(data) {
			f.Add(data, b[0], b[1], b[2])
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, name, tag, digest string) {
		_, _ = checkSpliceOnly(t, in, name, tag, digest)
	})
}

// checkSpliceOnly runs SetImage and checks, when it succeeds, that the
// output is the input with splices that remove only the entry's old
// newTag/digest text (or a null images: value) and insert only the
// requested fields. It returns SetImage's error.
func checkSpliceOnly(t *testing.T, in []byte, name, tag, digest string) ([]byte, error) {
	t.Helper()
	out, change, err := SetImage(in, name, tag, digest)
	if err != nil {
		if !errors.Is(err, ErrNotKustomization) && !errors.Is(err, ErrInvalidTag) &&
			!errors.Is(err, ErrInvalidDigest) && !errors.Is(err, ErrInvalidImage) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		return nil, err
	}
	if change.IsZero() {
		if !bytes.Equal(in, out) {
			t.Fatalf("no change reported but the bytes changed")
		}
		return out, nil
	}
	src := newSource(in)
	edits, err := spliceEditsFor(src, name, tag, digest)
	if err != nil {
		t.Fatalf("SetImage succeeded, its splices did not: %v", err)
	}
	if got := src.bom + string(apply(src.data, edits)); got != string(out) {
		t.Fatalf("the output is not the input with the splices applied")
	}
	old := change.Old
	allowedRemoved := map[string]bool{"": true, "~": true, "null": true, "Null": true, "NULL": true}
	for _, v := range []string{old.Tag, old.Digest} {
		if v == "" {
			continue
		}
		for _, q := range []string{v, `"` + v + `"`, "'" + v + "'", "!!str " + v, `!!str "` + v + `"`} {
			allowedRemoved[q] = true
			allowedRemoved["digest: "+q] = true
		}
	}
	for _, e := range edits {
		removed := strings.Trim(string(src.data[e.start:e.end]), " \t\r\n,-")
		if !allowedRemoved[removed] && !isWholeDigestLine(removed, old.Digest) {
			t.Fatalf("a splice removed %q, not the entry's newTag or digest", removed)
		}
		rest := e.text
		for _, tok := range []string{"images:", "name:", "newTag:", "digest:", quoteScalar(name, 0), quoteScalar(tag, 0), quoteScalar(digest, 0), tag} {
			if tok != "" {
				rest = strings.ReplaceAll(rest, tok, "")
			}
		}
		if strings.Trim(rest, " \t\r\n,-{}[]\"'") != "" {
			t.Fatalf("a splice inserted %q, more than the requested fields (%q left)", e.text, rest)
		}
	}
	return out, nil
}

// isWholeDigestLine accepts a removed digest line with its comment.
func isWholeDigestLine(removed, digest string) bool {
	if digest == "" || !strings.HasPrefix(removed, "digest:") {
		return false
	}
	code, _, _ := strings.Cut(removed, " #")
	v := strings.Trim(strings.TrimSpace(strings.TrimPrefix(code, "digest:")), `"'`)
	return v == digest
}
