package embeddedpg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// serverUsers are tried in order when we run as root: Debian's postgres
// user when the package is installed, else our own system user.
var serverUsers = []string{"postgres", "roster-postgres"}

// account is the identity initdb and postgres run under. cred is nil when
// they run as the calling user (not root), so no ownership fix-up is needed.
type account struct {
	name   string
	uid    int
	gid    int
	groups []uint32
	cred   *syscall.Credential
}

// serverAccount returns the calling user, or, for root (which initdb and
// postgres refuse), an unprivileged system user, created if needed.
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		name := strconv.Itoa(os.Geteuid())
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return account{name: name, uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(serverUsers[0])
	if err != nil {
		u, err = ensureSystemUser(serverUsers[1])
	}
	if err != nil {
		return account{}, fmt.Errorf("embeddedpg: server user: %w", err)
	}
	return accountOf(u)
}

func accountOf(u *user.User) (account, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return account{}, fmt.Errorf("embeddedpg: server user %s: %w", u.Username, err)
	}
	a := account{name: u.Username, uid: int(uid), gid: int(gid)}
	ids, _ := u.GroupIds() // supplementary groups only widen access; none is fine
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(g))
		}
	}
	// Groups is set explicitly (possibly empty) so that root's own
	// supplementary groups are dropped rather than inherited.
	a.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: append([]uint32{}, a.groups...)}
	return a, nil
}

// ensureSystemUser creates a login-less system user without a home folder.
// A failure is re-checked with a lookup, because a concurrent Start in
// another process may have created the same user a moment earlier.
func ensureSystemUser(name string) (*user.User, error) {
	if u, err := user.Lookup(name); err == nil {
		return u, nil
	}
	useradd, err := exec.LookPath("useradd")
	if err != nil {
		useradd = "/usr/sbin/useradd" // often missing from PATH outside login shells
	}
	out, err := exec.Command(useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
	if u, lerr := user.Lookup(name); lerr == nil {
		return u, nil
	}
	if err == nil {
		err = errors.New("user still unknown after useradd")
	}
	return nil, fmt.Errorf("useradd %s: %w: %s", name, err, strings.TrimSpace(string(out)))
}

// traversable reports whether a may search every folder from / down to
// path, which the server needs to reach a data folder below path.
func (a account) traversable(path string) bool {
	for p := path; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || !a.canSearch(fi) {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// canSearch applies the classic owner/group/other rule for the x bit
// (ACLs are ignored: a false "no" only costs a fallback folder).
func (a account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case a.inGroup(st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

func (a account) inGroup(gid uint32) bool {
	if int(gid) == a.gid {
		return true
	}
	for _, g := range a.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// dataDirFor chooses the data folder: dir/data, or, when the server user
// cannot reach dir (root's home is 0700), a folder under os.TempDir() named
// after a hash of dir so that the same dir always finds its data again.
func dataDirFor(dir string, a account, log *slog.Logger) (string, error) {
	if a.cred == nil || a.traversable(dir) {
		return filepath.Join(dir, "data"), nil
	}
	sum := sha256.Sum256([]byte(dir))
	base := filepath.Join(os.TempDir(), "roster-pg-"+hex.EncodeToString(sum[:8]))
	if err := ensureFallbackBase(base); err != nil {
		return "", err
	}
	if !a.traversable(base) {
		return "", fmt.Errorf("embeddedpg: user %s can reach neither %s nor %s", a.name, dir, base)
	}
	data := filepath.Join(base, "data")
	log.Info("embeddedpg: server user cannot reach the folder, keeping data elsewhere",
		"dir", dir, "user", a.name, "data", data)
	return data, nil
}

// ensureFallbackBase creates base as root-owned 0711. An existing base must
// be a real folder owned by root and writable by nobody else, since the
// name is predictable in a world-writable folder.
func ensureFallbackBase(base string) error {
	err := os.Mkdir(base, 0o711)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("embeddedpg: fallback folder: %w", err)
	}
	fi, err := os.Lstat(base)
	if err != nil {
		return fmt.Errorf("embeddedpg: fallback folder: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("embeddedpg: fallback folder %s exists but is not a folder owned by root and writable only by it", base)
	}
	if err := os.Chmod(base, 0o711); err != nil {
		return fmt.Errorf("embeddedpg: fallback folder: %w", err)
	}
	return nil
}

// prepareDataDir creates the data folder and hands it to the server user.
// Ownership is fixed recursively only when the top is wrong, so that warm
// starts do not walk the whole cluster.
func prepareDataDir(data string, a account) error {
	if err := os.Mkdir(data, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("embeddedpg: data folder: %w", err)
	}
	if a.cred == nil {
		return nil
	}
	fi, err := os.Stat(data)
	if err != nil {
		return fmt.Errorf("embeddedpg: data folder: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == a.uid && int(st.Gid) == a.gid {
		return nil
	}
	err = filepath.WalkDir(data, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.uid, a.gid)
	})
	if err != nil {
		return fmt.Errorf("embeddedpg: chown data folder to %s: %w", a.name, err)
	}
	return nil
}

// chown gives a file we created to the server user (no-op when not root).
func (a account) chown(path string) error {
	if a.cred == nil {
		return nil
	}
	return os.Chown(path, a.uid, a.gid)
}
