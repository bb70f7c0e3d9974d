package gitrepo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/objfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// objectStore is go-git's filesystem storage with a lighter read path.
//
// To read one packed object, go-git decodes the whole pack index into
// memory (2 MB of names for 50k objects) and, on the first object it
// decodes, builds a map from every offset to its hash (5 MB more): a bump
// reads a commit, a handful of trees and one blob. Here the .idx file is
// searched where it lies: the fan-out table (1 KB) is kept, a lookup reads
// one fan-out bucket of names, and the offset-to-hash direction (needed
// for delta bases) is a sorted table of positions (4 bytes an object).
//
// Reads look in the repository's own store, then in its alternates
// (alternates.go), all with this reader. Writes (always to the own
// store), iteration, version 1 indexes and packs over 2 GB are go-git's,
// through the embedded Storage.
type objectStore struct {
	*filesystem.Storage // the repository's own store; nil for an alternate
	objects             billy.Filesystem
	cache               cache.Object
	// alternates are the stores objects/info/alternates and
	// GIT_ALTERNATE_OBJECT_DIRECTORIES name, read-only (alternates.go).
	alternates []*objectStore

	mu     sync.Mutex
	listed bool
	packs  []*packIndex
}

// newObjectStore opens the store of the repository whose common
// directory is gitDir, without alternates.
func newObjectStore(gitDir billy.Filesystem) *objectStore {
	c := cache.NewObjectLRUDefault()
	objects, err := gitDir.Chroot("objects")
	if err != nil {
		objects = gitDir // Chroot of osfs never fails
	}
	return &objectStore{
		Storage: filesystem.NewStorage(gitDir, c),
		objects: objects,
		cache:   c,
	}
}

// EncodedObject reads h as a loose object or from a pack, and asks go-git
// only when neither has it.
func (s *objectStore) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := s.find(h)
	if err != nil {
		return nil, err
	}
	if t != plumbing.AnyObject && obj.Type() != t {
		return nil, plumbing.ErrObjectNotFound
	}
	return obj, nil
}

// HasEncodedObject looks in the alternates too, so nothing is fetched or
// written again that a shared or reference clone already has.
func (s *objectStore) HasEncodedObject(h plumbing.Hash) error {
	if s.Storage != nil && s.Storage.HasEncodedObject(h) == nil {
		return nil
	}
	_, err := s.find(h)
	return err
}

// EncodedObjectSize is the object's size, wherever it lives.
func (s *objectStore) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if s.Storage != nil {
		if n, err := s.Storage.EncodedObjectSize(h); err == nil {
			return n, nil
		}
	}
	obj, err := s.find(h)
	if err != nil {
		return 0, err
	}
	return obj.Size(), nil
}

// find reads h from this store, then from its alternates in order. A miss
// everywhere lists the packs again and retries once, as git's
// reprepare_packed_git does: a concurrent git gc may have moved the
// object from a loose file or an old pack into a new pack.
func (s *objectStore) find(h plumbing.Hash) (plumbing.EncodedObject, error) {
	for attempt := 0; ; attempt++ {
		obj, err := s.findOnce(h)
		if !errors.Is(err, plumbing.ErrObjectNotFound) || attempt > 0 {
			return obj, err
		}
		s.relist()
	}
}

func (s *objectStore) findOnce(h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := s.readObject(h)
	if errors.Is(err, errUseGoGit) {
		if s.Storage == nil {
			return nil, fmt.Errorf("object %s: in a pack this reader does not handle (index v1 or a pack over 2 GB) in an alternate object store", h)
		}
		return s.Storage.EncodedObject(plumbing.AnyObject, h)
	}
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		return obj, err
	}
	for _, alt := range s.alternates {
		obj, err := alt.findOnce(h)
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			return obj, err
		}
	}
	return nil, plumbing.ErrObjectNotFound
}

// relist forgets the pack list of this store and its alternates.
func (s *objectStore) relist() {
	s.mu.Lock()
	s.listed = false
	s.mu.Unlock()
	for _, alt := range s.alternates {
		alt.relist()
	}
}

// SetEncodedObject writes o as a loose object into the repository's own
// store (never an alternate's). A concurrent git gc (prune-packed)
// removes empty objects/xx directories; when the rename into one fails
// for that, the write is tried again, as git's finalize_object_file
// does.
func (s *objectStore) SetEncodedObject(o plumbing.EncodedObject) (plumbing.Hash, error) {
	for attempt := 1; ; attempt++ {
		h, err := s.Storage.SetEncodedObject(o)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt == 3 {
			return h, err
		}
	}
}

// errUseGoGit: a pack this reader does not handle; go-git reads it.
var errUseGoGit = errors.New("pack index format not handled here")

func (s *objectStore) readObject(h plumbing.Hash) (plumbing.EncodedObject, error) {
	if obj, ok := s.cache.Get(h); ok {
		return obj, nil
	}
	obj, err := s.readLoose(h)
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		return obj, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.listed {
		hashes, err := s.listPacks()
		if err != nil {
			return nil, err
		}
		known := map[plumbing.Hash]*packIndex{}
		for _, p := range s.packs {
			known[p.pack] = p // still listed: what was read of its index stays
		}
		s.packs = s.packs[:0]
		for _, p := range hashes {
			if known[p] == nil {
				known[p] = &packIndex{pack: p}
			}
			s.packs = append(s.packs, known[p])
			delete(known, p)
		}
		for _, gone := range known {
			gone.close()
		}
		s.listed = true
	}
	for _, p := range s.packs {
		if p.goGit {
			return nil, errUseGoGit
		}
		obj, err := s.readPacked(p, h)
		if errors.Is(err, errUseGoGit) {
			p.goGit = true
		}
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			continue
		}
		if err == nil {
			s.cache.Put(obj)
		}
		return obj, err
	}
	return nil, plumbing.ErrObjectNotFound
}

func (s *objectStore) readLoose(h plumbing.Hash) (obj plumbing.EncodedObject, err error) {
	hex := h.String()
	f, err := s.objects.Open(hex[:2] + "/" + hex[2:])
	if errors.Is(err, os.ErrNotExist) {
		return nil, plumbing.ErrObjectNotFound
	}
	if err != nil {
		return nil, err
	}
	defer closeKeepErr(f, &err)
	r, err := objfile.NewReader(f)
	if err != nil {
		return nil, err
	}
	defer closeKeepErr(r, &err)
	t, size, err := r.Header()
	if err != nil {
		return nil, err
	}
	m := &plumbing.MemoryObject{}
	m.SetType(t)
	m.SetSize(size)
	if _, err := io.Copy(m, r); err != nil {
		return nil, err
	}
	s.cache.Put(m)
	return m, nil
}

// listPacks names the packs of the store, as git does: every
// pack-<hash>.pack with its .idx beside it.
func (s *objectStore) listPacks() ([]plumbing.Hash, error) {
	files, err := s.objects.ReadDir("pack")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list packs: %w", err)
	}
	var packs []plumbing.Hash
	for _, f := range files {
		hex, ok := strings.CutPrefix(f.Name(), "pack-")
		if !ok {
			continue
		}
		if hex, ok = strings.CutSuffix(hex, ".pack"); ok && plumbing.IsHash(hex) {
			packs = append(packs, plumbing.NewHash(hex))
		}
	}
	return packs, nil
}

func closeKeepErr(c io.Closer, err *error) {
	if cerr := c.Close(); *err == nil {
		*err = cerr
	}
}

// readPacked reads h from pack p, opening its files on its first read.
func (s *objectStore) readPacked(p *packIndex, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if p.idx == nil {
		idx, err := s.objects.Open("pack/pack-" + p.pack.String() + ".idx")
		if errors.Is(err, os.ErrNotExist) {
			return nil, plumbing.ErrObjectNotFound // repacked since listed: go-git looks again
		}
		if err != nil {
			return nil, err
		}
		if err := p.load(idx); err != nil {
			_ = idx.Close()
			return nil, err
		}
		p.idx = idx
	}
	r := &idxReader{p: p, f: p.idx}
	if ok, err := r.Contains(h); err != nil || !ok {
		if err == nil {
			err = plumbing.ErrObjectNotFound
		}
		return nil, err
	}
	if p.packfile == nil {
		pf, err := s.objects.Open("pack/pack-" + p.pack.String() + ".pack")
		if errors.Is(err, os.ErrNotExist) {
			return nil, plumbing.ErrObjectNotFound
		}
		if err != nil {
			return nil, err
		}
		// No filesystem: objects come back whole, as MemoryObjects,
		// holding nothing of the pack.
		p.packfile = packfile.NewPackfileWithCache(r, nil, pf, s.cache, 0)
	}
	return p.packfile.Get(h)
}

// close closes the pack's files, if open.
func (p *packIndex) close() {
	if p.idx != nil {
		_ = p.idx.Close()
		p.idx = nil
	}
	if p.packfile != nil {
		_ = p.packfile.Close()
		p.packfile = nil
	}
}

// packIndex is what is kept of one version 2 .idx file between reads.
type packIndex struct {
	pack plumbing.Hash
	// idx and packfile stay open from the first read on: gen status
	// reads 6,000 objects, and opening both files (through the chroot's
	// symlink checks) for each one was a third of its Git time. A pack
	// gone from the listing is closed; a pack a gc deletes meanwhile is
	// still read whole through its open files.
	idx      billy.File
	packfile *packfile.Packfile
	loaded   bool
	goGit    bool // not a format handled here: go-git reads this pack
	fanout   [256]uint32
	// byOffset lists object positions in pack order, built on the
	// first offset-to-hash lookup; off32 is the 4-byte offset table.
	byOffset []uint32
	off32    []uint32
	names    []byte // scratch for one fan-out bucket
}

const (
	idxHeaderLen = 8
	idxFanoutLen = 256 * 4
)

func (p *packIndex) load(f io.ReaderAt) error {
	if p.loaded {
		return nil
	}
	var b [idxHeaderLen + idxFanoutLen]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return fmt.Errorf("read pack index %s: %w", p.pack, err)
	}
	if !bytes.Equal(b[:4], []byte{0xff, 't', 'O', 'c'}) || binary.BigEndian.Uint32(b[4:]) != 2 {
		return errUseGoGit
	}
	for i := range p.fanout {
		p.fanout[i] = binary.BigEndian.Uint32(b[idxHeaderLen+4*i:])
	}
	p.loaded = true
	return nil
}

func (p *packIndex) count() int64 { return int64(p.fanout[255]) }

// idxReader is idxfile.Index over one open .idx file, for one read.
type idxReader struct {
	p *packIndex
	f io.ReaderAt
}

var _ idxfile.Index = (*idxReader)(nil)

func (r *idxReader) namesAt() int64 { return idxHeaderLen + idxFanoutLen }
func (r *idxReader) crcAt() int64   { return r.namesAt() + 20*r.p.count() }
func (r *idxReader) off32At() int64 { return r.crcAt() + 4*r.p.count() }
func (r *idxReader) off64At() int64 { return r.off32At() + 4*r.p.count() }

// position finds h by reading its fan-out bucket of sorted names.
func (r *idxReader) position(h plumbing.Hash) (int, bool, error) {
	lo := uint32(0)
	if h[0] > 0 {
		lo = r.p.fanout[h[0]-1]
	}
	hi := r.p.fanout[h[0]]
	if hi <= lo {
		return 0, false, nil
	}
	n := int(hi-lo) * 20
	if cap(r.p.names) < n {
		r.p.names = make([]byte, n)
	}
	names := r.p.names[:n]
	if _, err := r.f.ReadAt(names, r.namesAt()+20*int64(lo)); err != nil {
		return 0, false, fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	// Binary search over the bucket, comparing 20-byte names in place.
	a, b := 0, int(hi-lo)
	for a < b {
		m := int(uint(a+b) >> 1)
		if bytes.Compare(names[20*m:20*m+20], h[:]) < 0 {
			a = m + 1
		} else {
			b = m
		}
	}
	if a < int(hi-lo) && bytes.Equal(names[20*a:20*a+20], h[:]) {
		return int(lo) + a, true, nil
	}
	return 0, false, nil
}

func (r *idxReader) offsetOf(pos int) (int64, error) {
	var b [8]byte
	if _, err := r.f.ReadAt(b[:4], r.off32At()+4*int64(pos)); err != nil {
		return 0, fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	return r.offset(binary.BigEndian.Uint32(b[:4]))
}

// offset resolves a 4-byte offset table entry (its high bit points into
// the 8-byte table of packs over 2 GB).
func (r *idxReader) offset(o32 uint32) (int64, error) {
	if o32&0x80000000 == 0 {
		return int64(o32), nil
	}
	var b [8]byte
	if _, err := r.f.ReadAt(b[:], r.off64At()+8*int64(o32&0x7fffffff)); err != nil {
		return 0, fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	return int64(binary.BigEndian.Uint64(b[:])), nil
}

func (r *idxReader) Contains(h plumbing.Hash) (bool, error) {
	_, ok, err := r.position(h)
	return ok, err
}

func (r *idxReader) FindOffset(h plumbing.Hash) (int64, error) {
	pos, ok, err := r.position(h)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, plumbing.ErrObjectNotFound
	}
	return r.offsetOf(pos)
}

func (r *idxReader) FindCRC32(h plumbing.Hash) (uint32, error) {
	pos, ok, err := r.position(h)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, plumbing.ErrObjectNotFound
	}
	var b [4]byte
	if _, err := r.f.ReadAt(b[:], r.crcAt()+4*int64(pos)); err != nil {
		return 0, fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// FindHash maps a pack offset to its object, for delta bases.
func (r *idxReader) FindHash(o int64) (plumbing.Hash, error) {
	if err := r.sortByOffset(); err != nil {
		return plumbing.ZeroHash, err
	}
	var firstErr error
	at := func(i int) int64 {
		off, err := r.offset(r.p.off32[r.p.byOffset[i]])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return off
	}
	a, b := 0, len(r.p.byOffset)
	for a < b {
		m := int(uint(a+b) >> 1)
		if at(m) < o {
			a = m + 1
		} else {
			b = m
		}
	}
	if firstErr != nil {
		return plumbing.ZeroHash, firstErr
	}
	if a == len(r.p.byOffset) || at(a) != o {
		return plumbing.ZeroHash, plumbing.ErrObjectNotFound
	}
	var h plumbing.Hash
	if _, err := r.f.ReadAt(h[:], r.namesAt()+20*int64(r.p.byOffset[a])); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	return h, nil
}

func (r *idxReader) sortByOffset() error {
	if r.p.byOffset != nil {
		return nil
	}
	n := r.p.count()
	raw := make([]byte, 4*n)
	if _, err := r.f.ReadAt(raw, r.off32At()); err != nil {
		return fmt.Errorf("read pack index %s: %w", r.p.pack, err)
	}
	off32 := make([]uint32, n)
	byOffset := make([]uint32, n)
	large := false
	for i := range off32 {
		off32[i] = binary.BigEndian.Uint32(raw[4*i:])
		byOffset[i] = uint32(i)
		large = large || off32[i]&0x80000000 != 0
	}
	if large {
		return errUseGoGit // packs over 2 GB: not worth a second code path
	}
	slices.SortFunc(byOffset, func(a, b uint32) int { return int(int64(off32[a]) - int64(off32[b])) })
	r.p.off32, r.p.byOffset = off32, byOffset
	return nil
}

func (r *idxReader) Count() (int64, error) { return r.p.count(), nil }

func (r *idxReader) Entries() (idxfile.EntryIter, error) {
	return nil, errors.New("pack index: entries are not listed by this reader")
}

func (r *idxReader) EntriesByOffset() (idxfile.EntryIter, error) {
	return nil, errors.New("pack index: entries are not listed by this reader")
}
