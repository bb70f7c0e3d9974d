//go:build linux

package gitrepo

import (
	"os"
	"syscall"
)

// indexStat is the stat data git caches per index entry, truncated to 32
// bits as git stores it. With it, git status trusts the entry without
// re-hashing the file.
func indexStat(fi os.FileInfo) entryStat {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return entryStat{mtimeSec: uint32(fi.ModTime().Unix()), mtimeNsec: uint32(fi.ModTime().Nanosecond()), size: uint32(fi.Size())}
	}
	return entryStat{
		ctimeSec: uint32(st.Ctim.Sec), ctimeNsec: uint32(st.Ctim.Nsec),
		mtimeSec: uint32(st.Mtim.Sec), mtimeNsec: uint32(st.Mtim.Nsec),
		dev: uint32(st.Dev), ino: uint32(st.Ino),
		uid: st.Uid, gid: st.Gid,
		size: uint32(st.Size),
	}
}
