package gitrepo

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"path"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// PackfileWriter receives a fetched pack and indexes it as git index-pack
// does, with memory bounded by the longest delta chain rather than by the
// pack: go-git's own writer resolves deltas through a 96 MiB cache of
// inflated bases, which was most of remote mode's peak RSS.
//
// The pack is written to objects/pack as it arrives, while a goroutine
// reads the same bytes once to hash every whole object and note each
// delta's base. Close then resolves the deltas: each base is inflated from
// the file, its deltas applied depth first (only the chain being walked is
// held), the roots shared among workers. A thin pack's bases that live
// outside it are appended to it whole, as index-pack --fix-thin does, so
// the pack stays valid for git. The .idx is written next, and both are
// renamed to pack-<checksum>.{pack,idx}, pack first: git never sees an
// index without its pack.
func (s *objectStore) PackfileWriter() (io.WriteCloser, error) {
	if s.Storage == nil {
		return nil, errors.New("pack: an alternate object store is read-only")
	}
	if err := s.objects.MkdirAll("pack", 0o755); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	f, err := s.objects.TempFile("pack", "tmp_pack_")
	if err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	pr, pw := io.Pipe()
	w := &packWriter{store: s, f: f, pipe: pw, scanned: make(chan error, 1), sum: sha1.New()}
	go func() {
		err := w.scan(pr)
		if err == nil {
			err = errPackTrailer // anything written after the checksum
		}
		pr.CloseWithError(err)
		if err == errPackTrailer {
			err = nil
		}
		w.scanned <- err
	}()
	return w, nil
}

var errPackTrailer = errors.New("pack: data after the pack's checksum")

type packWriter struct {
	store   *objectStore
	f       billy.File
	pipe    *io.PipeWriter
	scanned chan error
	size    int64
	// sum hashes all bytes written but the last 20, held in tail: a pack
	// is exactly its content and that content's SHA-1.
	sum  hash.Hash
	tail []byte

	// set by scan
	count    uint32
	entries  []packEntry
	checksum plumbing.Hash
}

// packEntry is one object of the pack. Whole objects are hashed while the
// pack arrives; a delta gets its type and hash when its base is resolved.
type packEntry struct {
	offset  int64
	crc     uint32
	typ     plumbing.ObjectType // OFS/REF delta until resolved
	hash    plumbing.Hash
	baseOff int64         // OFS delta: the base's offset
	base    plumbing.Hash // REF delta: the base's name
	data    []byte        // a delta's instructions, kept from the scan while within budget
	claimed atomic.Bool   // resolved (or being resolved) by a worker
}

func (e *packEntry) isDelta() bool { return e.typ.IsDelta() }

func (w *packWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("pack: %w", err)
	}
	w.tail = append(w.tail, p...)
	if k := len(w.tail) - len(plumbing.ZeroHash); k > 0 {
		w.sum.Write(w.tail[:k])
		w.tail = append(w.tail[:0], w.tail[k:]...)
	}
	if _, err := w.pipe.Write(p); err != nil {
		return n, err
	}
	return n, nil
}

// Close indexes the pack and installs it; on any error nothing is left
// behind but the temporary file's removal.
func (w *packWriter) Close() (err error) {
	w.pipe.Close()
	scanErr := <-w.scanned
	name := w.f.Name()
	defer func() {
		if err != nil {
			w.f.Close()
			w.store.objects.Remove(name)
		}
	}()
	if w.size == 0 {
		w.f.Close()
		return w.store.objects.Remove(name)
	}
	if scanErr != nil {
		return scanErr
	}
	if !bytes.Equal(w.tail, w.checksum[:]) || !bytes.Equal(w.sum.Sum(nil), w.tail) {
		return errPackTrailer
	}
	if err := w.resolve(); err != nil {
		return err
	}
	return w.install()
}

// scan reads the pack once as it arrives: header, each object's header,
// whole objects hashed as git names them, the trailing checksum verified.
func (w *packWriter) scan(r io.Reader) error {
	sc := packfile.NewScanner(r)
	_, count, err := sc.Header()
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	w.count = count
	w.entries = make([]packEntry, count)
	budget := deltaBudget
	var delta bytes.Buffer
	for i := range w.entries {
		oh, err := sc.NextObjectHeader()
		if err != nil {
			return fmt.Errorf("pack: object %d: %w", i, err)
		}
		e := &w.entries[i]
		e.offset, e.typ = oh.Offset, oh.Type
		var sink io.Writer = io.Discard
		var h plumbing.Hasher
		keep := oh.Type.IsDelta() && oh.Length <= int64(budget)
		if keep {
			delta.Reset()
			sink = &delta
		}
		switch oh.Type {
		case plumbing.OFSDeltaObject:
			e.baseOff = oh.OffsetReference
		case plumbing.REFDeltaObject:
			e.base = oh.Reference
		default:
			h = plumbing.NewHasher(oh.Type, oh.Length)
			sink = h
		}
		n, crc, err := sc.NextObject(sink)
		if err != nil {
			return fmt.Errorf("pack: object %d at %d: %w", i, oh.Offset, err)
		}
		if n != oh.Length {
			return fmt.Errorf("pack: object %d at %d: %d bytes inflated, %d declared: %w", i, oh.Offset, n, oh.Length, packfile.ErrMalformedPackFile)
		}
		e.crc = crc
		if keep {
			e.data = bytes.Clone(delta.Bytes())
			budget -= len(e.data)
		}
		if h.Hash != nil {
			e.hash = h.Sum()
		}
	}
	w.checksum, err = sc.Checksum()
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	return nil
}

// deltaBudget is how many bytes of delta instructions the scan keeps for
// resolve, which reads the rest from the pack again. (Resolving deltas
// during the scan, from a window of recent contents, was tried: the scan
// is one goroutine, and the 60,005-file clone took 25% longer than
// resolving afterwards on two.)
var deltaBudget = 4 << 20 // a variable for tests

func hashObject(t plumbing.ObjectType, content []byte) plumbing.Hash {
	h := plumbing.NewHasher(t, int64(len(content)))
	h.Write(content)
	return h.Sum()
}

// resolve names every delta by applying it to its base.
func (w *packWriter) resolve() error {
	byHash := make(map[plumbing.Hash][]int32) // REF deltas by base name
	byOff := make(map[int64][]int32)          // OFS deltas by base offset
	var roots []int32
	for i := range w.entries {
		e := &w.entries[i]
		switch e.typ {
		case plumbing.OFSDeltaObject:
			byOff[e.baseOff] = append(byOff[e.baseOff], int32(i))
		case plumbing.REFDeltaObject:
			byHash[e.base] = append(byHash[e.base], int32(i))
		default:
			roots = append(roots, int32(i))
		}
	}
	r := &resolver{w: w, byHash: byHash, byOff: byOff}
	if err := r.run(roots, nil); err != nil {
		return err
	}
	// A thin pack's REF deltas whose base is not in the pack: append each
	// base the store has, resolve what hangs from it, and look again (a
	// delta may name a base that is itself a delta on an appended one).
	for {
		missing := w.thinBases()
		if len(missing) == 0 {
			break
		}
		bases, err := w.fixThin(missing)
		if err != nil {
			return err
		}
		first := int32(len(w.entries) - len(bases))
		var roots []int32
		for i := range bases {
			roots = append(roots, first+int32(i))
		}
		if err := r.run(roots, bases); err != nil {
			return err
		}
	}
	for i := range w.entries {
		if e := &w.entries[i]; e.isDelta() {
			if e.typ == plumbing.REFDeltaObject {
				return fmt.Errorf("pack: delta at %d: base %s: %w", e.offset, e.base, packfile.ErrReferenceDeltaNotFound)
			}
			return fmt.Errorf("pack: delta at %d: no object at its base offset %d: %w", e.offset, e.baseOff, packfile.ErrMalformedPackFile)
		}
	}
	return nil
}

// thinBases names, once each, the bases of unresolved REF deltas that
// are not whole (or resolved) objects of the pack but are in the store. A
// base that is an unresolved delta of the pack is not in the store: it is
// resolved once its own base has been appended.
func (w *packWriter) thinBases() []plumbing.Hash {
	skip := make(map[plumbing.Hash]bool) // in the pack, or named already
	var want []plumbing.Hash
	for i := range w.entries {
		e := &w.entries[i]
		if !e.isDelta() {
			skip[e.hash] = true
		} else if e.typ == plumbing.REFDeltaObject {
			want = append(want, e.base)
		}
	}
	var missing []plumbing.Hash
	for _, h := range want {
		if skip[h] {
			continue
		}
		skip[h] = true
		if w.store.HasEncodedObject(h) == nil {
			missing = append(missing, h)
		}
	}
	return missing
}

// fixThin appends the objects named by missing, read from the store, to
// the pack as whole objects, rewrites its object count and checksum, and
// returns their contents in order (their entries end w.entries).
func (w *packWriter) fixThin(missing []plumbing.Hash) ([][]byte, error) {
	end := w.size - int64(len(plumbing.ZeroHash))
	if err := w.f.Truncate(end); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	if _, err := w.f.Seek(end, io.SeekStart); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	var contents [][]byte
	for _, h := range missing {
		obj, err := w.store.find(h)
		if err != nil {
			return nil, fmt.Errorf("pack: delta base %s: %w", h, err)
		}
		content, err := objectBytes(obj)
		if err != nil {
			return nil, fmt.Errorf("pack: delta base %s: %w", h, err)
		}
		var rec bytes.Buffer
		writeObjectHeader(&rec, obj.Type(), int64(len(content)))
		zw := zlib.NewWriter(&rec)
		zw.Write(content)
		zw.Close()
		crc := crc32.ChecksumIEEE(rec.Bytes())
		if _, err := w.f.Write(rec.Bytes()); err != nil {
			return nil, fmt.Errorf("pack: complete thin pack: %w", err)
		}
		w.entries = append(w.entries, packEntry{offset: end, crc: crc, typ: obj.Type(), hash: h})
		end += int64(rec.Len())
		contents = append(contents, content)
	}
	w.count = uint32(len(w.entries))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], w.count)
	if _, err := w.f.Seek(8, io.SeekStart); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	if _, err := w.f.Write(n[:]); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	sum := sha1.New()
	if _, err := io.Copy(sum, io.LimitReader(w.f, end)); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	copy(w.checksum[:], sum.Sum(nil))
	if _, err := w.f.Write(w.checksum[:]); err != nil {
		return nil, fmt.Errorf("pack: complete thin pack: %w", err)
	}
	w.size = end + int64(len(w.checksum))
	return contents, nil
}

// writeObjectHeader writes a pack object header: type and size, 7 bits
// a byte after the first's 4, as git's encode_in_pack_object_header.
func writeObjectHeader(b *bytes.Buffer, t plumbing.ObjectType, size int64) {
	c := byte(t)<<4 | byte(size&0x0f)
	size >>= 4
	for size > 0 {
		b.WriteByte(c | 0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	b.WriteByte(c)
}

// objectBytes is an object's whole content.
func objectBytes(obj plumbing.EncodedObject) ([]byte, error) {
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// install writes the index and moves both files to their names.
func (w *packWriter) install() error {
	var iw idxfile.Writer
	iw.OnHeader(w.count)
	for i := range w.entries {
		e := &w.entries[i]
		iw.Add(e.hash, uint64(e.offset), e.crc)
	}
	if err := iw.OnFooter(w.checksum); err != nil {
		return fmt.Errorf("pack: index: %w", err)
	}
	idx, err := iw.Index()
	if err != nil {
		return fmt.Errorf("pack: index: %w", err)
	}
	if got := idx.Fanout[255]; got != w.count {
		return fmt.Errorf("pack: %d objects, %d distinct: %w", w.count, got, packfile.ErrMalformedPackFile)
	}
	if err := syncFile(w.f); err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	packName := w.f.Name()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	objs := w.store.objects
	idxFile, err := objs.TempFile("pack", "tmp_idx_")
	if err != nil {
		return fmt.Errorf("pack: index: %w", err)
	}
	idxName := idxFile.Name()
	err = func() error {
		defer idxFile.Close()
		if _, err := idxfile.NewEncoder(idxFile).Encode(idx); err != nil {
			return err
		}
		return syncFile(idxFile)
	}()
	if err != nil {
		objs.Remove(idxName)
		return fmt.Errorf("pack: index: %w", err)
	}
	base := path.Join("pack", "pack-"+w.checksum.String())
	if _, err := objs.Stat(base + ".idx"); err == nil {
		// Fetched before: the pack is already here, with its index.
		objs.Remove(idxName)
		objs.Remove(packName)
		return nil
	}
	chmodReadOnly(objs, packName)
	chmodReadOnly(objs, idxName)
	if err := objs.Rename(packName, base+".pack"); err != nil {
		objs.Remove(idxName)
		return fmt.Errorf("pack: %w", err)
	}
	if err := objs.Rename(idxName, base+".idx"); err != nil {
		objs.Remove(idxName)
		return fmt.Errorf("pack: index: %w", err)
	}
	w.store.relist()
	w.store.Storage.Reindex()
	return nil
}

// syncFile flushes f to disk where the filesystem can, as git does for
// packs (core.fsync's default covers them).
func syncFile(f billy.File) error {
	if s, ok := f.(interface{ Sync() error }); ok {
		return s.Sync()
	}
	return nil
}

// chmodReadOnly makes a pack file 0444, as git leaves them, where the
// filesystem can.
func chmodReadOnly(fs billy.Filesystem, name string) {
	if c, ok := fs.(billy.Chmod); ok {
		c.Chmod(name, 0o444)
	}
}

// resolver applies deltas to their bases, depth first from each root.
type resolver struct {
	w      *packWriter
	byHash map[plumbing.Hash][]int32
	byOff  map[int64][]int32
}

// run resolves everything below roots on two workers; contents, when
// given, are the roots' contents (appended thin bases), else they are read
// from the pack.
func (r *resolver) run(roots []int32, contents [][]byte) error {
	workers := 2
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := r.w.store.objects.Open(r.w.f.Name())
			if err != nil {
				errs[k] = fmt.Errorf("pack: %w", err)
				return
			}
			defer f.Close()
			rd := &packReader{sc: packfile.NewScanner(f)}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(roots) {
					return
				}
				e := &r.w.entries[roots[i]]
				var content []byte
				if contents != nil {
					content = contents[i]
				} else if r.pending(e) {
					if content, err = rd.read(e.offset); err != nil {
						errs[k] = err
						return
					}
				} else {
					continue
				}
				if err := r.kids(rd, e, content, 0); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pending: some delta on e is not resolved yet.
func (r *resolver) pending(e *packEntry) bool {
	for _, list := range [][]int32{r.byOff[e.offset], r.byHash[e.hash]} {
		for _, i := range list {
			if !r.w.entries[i].claimed.Load() {
				return true
			}
		}
	}
	return false
}

// maxDeltaDepth bounds a chain, as go-git's parser does (git's default
// pack.depth is 50; a longer chain is a hostile pack).
const maxDeltaDepth = 10000

// kids resolves the deltas whose base is e (content: its content).
func (r *resolver) kids(rd *packReader, e *packEntry, content []byte, depth int) error {
	if depth > maxDeltaDepth {
		return fmt.Errorf("pack: delta chain deeper than %d: %w", maxDeltaDepth, packfile.ErrMalformedPackFile)
	}
	for _, list := range [][]int32{r.byOff[e.offset], r.byHash[e.hash]} {
		for _, i := range list {
			kid := &r.w.entries[i]
			if !kid.claimed.CompareAndSwap(false, true) {
				continue // the same base twice in the pack: resolved already
			}
			delta := kid.data
			kid.data = nil
			if delta == nil {
				var err error
				if delta, err = rd.read(kid.offset); err != nil {
					return err
				}
			}
			if len(content) == 0 {
				return fmt.Errorf("pack: delta at %d on an empty base: %w", kid.offset, packfile.ErrMalformedPackFile)
			}
			target, err := packfile.PatchDelta(content, delta)
			if err != nil {
				return fmt.Errorf("pack: delta at %d: %w", kid.offset, err)
			}
			kid.typ, kid.hash = e.typ, hashObject(e.typ, target)
			if r.pending(kid) {
				if err := r.kids(rd, kid, target, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// packReader inflates one object's data (a delta's instructions for a
// delta) at an offset of the pack being indexed.
type packReader struct {
	sc  *packfile.Scanner
	buf bytes.Buffer
}

func (p *packReader) read(offset int64) ([]byte, error) {
	oh, err := p.sc.SeekObjectHeader(offset)
	if err != nil {
		return nil, fmt.Errorf("pack: object at %d: %w", offset, err)
	}
	p.buf.Reset()
	if _, _, err := p.sc.NextObject(&p.buf); err != nil {
		return nil, fmt.Errorf("pack: object at %d: %w", offset, err)
	}
	if int64(p.buf.Len()) != oh.Length {
		return nil, fmt.Errorf("pack: object at %d: %w", offset, packfile.ErrMalformedPackFile)
	}
	return bytes.Clone(p.buf.Bytes()), nil
}
