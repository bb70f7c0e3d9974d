package render

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rolloutgen/rolloutgen/internal/atomicfile"
)

// Render's state lives outside the directories it renders, in the Git
// directory when there is one (.git/gen/render/, per worktree; nothing
// there is committed), else in .gen/render/ beside gen.yaml:
//   - journal: the old content of every file a running render changes,
//     written before its first change and removed after its last; a
//     journal left behind (a killed render) is rolled back by the next
//     gen render, and gen render --check fails while one is there;
//   - files: the paths the last finished render wrote, which a later
//     render may remove even without their generated header.

const journalVersion = 1

type journal struct {
	Version int         `json:"version"`
	Ops     []journalOp `json:"ops"`
}

// journalOp is one planned change: write Path (Remove false) or remove it.
type journalOp struct {
	Path    string      `json:"path"`
	Remove  bool        `json:"remove,omitempty"`
	Existed bool        `json:"existed,omitempty"`
	Old     []byte      `json:"old,omitempty"`
	Mode    fs.FileMode `json:"mode,omitempty"`
}

type state struct{ dir string }

// stateDir finds where render keeps its state for the render root.
func stateDir(root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	for dir := abs; ; {
		gitDir, ok, err := findGitDir(dir)
		if err != nil {
			return "", err
		}
		if ok {
			name := "render"
			if rel, _ := filepath.Rel(dir, abs); rel != "." {
				// gen.yaml below the top level: one state per render root.
				sum := sha256.Sum256([]byte(filepath.ToSlash(rel)))
				name += "-" + hex.EncodeToString(sum[:6])
			}
			return filepath.Join(gitDir, "gen", name), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join(abs, ".gen", "render"), nil
		}
		dir = parent
	}
}

// findGitDir returns the Git directory of a checkout at dir: .git itself,
// or the directory a .git file (linked worktree, submodule) points to.
func findGitDir(dir string) (string, bool, error) {
	p := filepath.Join(dir, ".git")
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", false, nil
	case err != nil:
		return "", false, err
	case fi.IsDir():
		return p, true, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", false, err
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok {
		return "", false, fmt.Errorf("%s: not a gitdir file", p)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target, true, nil
}

func openState(root string) (*state, error) {
	dir, err := stateDir(root)
	if err != nil {
		return nil, err
	}
	return &state{dir: dir}, nil
}

func (s *state) journalPath() string { return filepath.Join(s.dir, "journal") }

func (s *state) writeJournal(j *journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return atomicfile.Write(s.journalPath(), data, 0o644)
}

func (s *state) removeJournal() error {
	if err := os.Remove(s.journalPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (s *state) readJournal() (*journal, error) {
	data, err := os.ReadFile(s.journalPath())
	if err != nil {
		return nil, err
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil || j.Version != journalVersion {
		return nil, fmt.Errorf("%s: not a render journal of this gen version; remove it and check the rendered files with git status", s.journalPath())
	}
	return &j, nil
}

// ErrUnfinished: a render was interrupted and its journal is still there
// (gen render --check fails with it).
var ErrUnfinished = errors.New("an interrupted gen render left a journal; run gen render to roll it back")

// Pending returns the path of an unfinished render's journal, if any.
func Pending(root string) (string, bool, error) {
	st, err := openState(root)
	if err != nil {
		return "", false, err
	}
	_, err = os.Lstat(st.journalPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return st.journalPath(), true, nil
}

// Recover rolls back an unfinished render, if its journal is there, and
// reports whether it did: every file the render had changed gets its old
// content back, every file it had created is removed.
func Recover(root string) (bool, error) {
	st, err := openState(root)
	if err != nil {
		return false, err
	}
	j, err := st.readJournal()
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return false, err
	}
	defer r.Close()
	if err := rollback(r, j.Ops); err != nil {
		return false, fmt.Errorf("roll back the interrupted render (journal %s): %w", st.journalPath(), err)
	}
	return true, st.removeJournal()
}

// rollback restores the files of ops to their content before the render.
// It is idempotent: a second run (after a kill during the first) ends in
// the same state.
func rollback(r *os.Root, ops []journalOp) error {
	var errs []error
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		if err := atomicfile.RemoveIn(r, atomicfile.TempName(op.Path)); err != nil {
			errs = append(errs, err)
		}
		if op.Existed {
			if cur, err := atomicfile.ReadIn(r, op.Path); err == nil && bytes.Equal(cur, op.Old) {
				continue
			}
			if err := atomicfile.WriteIn(r, op.Path, op.Old, op.Mode); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if err := atomicfile.RemoveIn(r, op.Path); err != nil {
			errs = append(errs, err)
			continue
		}
		removeEmptyParents(r, path.Dir(op.Path))
	}
	return errors.Join(errs...)
}

func recordPath(root string) (string, error) {
	dir, err := stateDir(root)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "files"), nil
}

// readRecord returns the paths the last finished render wrote.
func readRecord(root string) (map[string]bool, error) {
	p, err := recordPath(root)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m[sc.Text()] = true
	}
	return m, sc.Err()
}

func writeRecord(root string, files []File) error {
	p, err := recordPath(root)
	if err != nil {
		return err
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	sort.Strings(paths)
	var b bytes.Buffer
	for _, p := range paths {
		b.WriteString(p)
		b.WriteByte('\n')
	}
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, b.Bytes()) {
		return nil
	}
	return atomicfile.Write(p, b.Bytes(), 0o644)
}
