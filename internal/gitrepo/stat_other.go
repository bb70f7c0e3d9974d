//go:build !linux

package gitrepo

import "os"

// indexStat records what is portable; git compares the rest, finds a
// mismatch, and re-hashes this one file on the next status: correct, only
// slower.
func indexStat(fi os.FileInfo) entryStat {
	return entryStat{mtimeSec: uint32(fi.ModTime().Unix()), mtimeNsec: uint32(fi.ModTime().Nanosecond()), size: uint32(fi.Size())}
}
