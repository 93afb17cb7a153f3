package embeddedpg

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Binaries are the absolute paths of the PostgreSQL server programs that
// Start runs. Both come from the same installation when possible, because a
// data folder made by one major version cannot be served by another.
type Binaries struct {
	Initdb   string
	Postgres string
}

// searchRoot holds one folder per installed major version (Debian layout:
// /usr/lib/postgresql/15/bin). A variable so tests can point it elsewhere.
var searchRoot = "/usr/lib/postgresql"

// errNoBinaries is one line on purpose: it is what "roster serve" prints
// on a machine without PostgreSQL, so it must say exactly what to do.
var errNoBinaries = errors.New("PostgreSQL server binaries not found (initdb, postgres): " +
	"install them with `apt-get install -y postgresql` or set ROSTER_DATABASE_URL")

// FindBinaries locates initdb and postgres: on PATH first, then in the
// highest version under /usr/lib/postgresql/*/bin (Debian does not put the
// server programs on PATH). When neither place has both, the error is a
// single line saying what to install.
func FindBinaries() (Binaries, error) {
	if b, ok := fromPath(); ok {
		return b, nil
	}
	if b, ok := fromSearchRoot(searchRoot); ok {
		return b, nil
	}
	return Binaries{}, errNoBinaries
}

// fromPath prefers the postgres next to initdb (after resolving symlinks),
// because that is the one initdb itself runs to build the data folder.
func fromPath() (Binaries, bool) {
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		return Binaries{}, false
	}
	initdb, err = filepath.Abs(initdb)
	if err != nil {
		return Binaries{}, false
	}
	if real, err := filepath.EvalSymlinks(initdb); err == nil {
		if sibling := filepath.Join(filepath.Dir(real), "postgres"); isExecutable(sibling) {
			return Binaries{Initdb: initdb, Postgres: sibling}, true
		}
	}
	postgres, err := exec.LookPath("postgres")
	if err != nil {
		return Binaries{}, false
	}
	postgres, err = filepath.Abs(postgres)
	return Binaries{Initdb: initdb, Postgres: postgres}, err == nil
}

// fromSearchRoot returns the binaries of the highest major version under
// root that has both programs.
func fromSearchRoot(root string) (Binaries, bool) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return Binaries{}, false
	}
	var versions []string
	for _, e := range entries {
		if _, ok := parseVersion(e.Name()); ok {
			versions = append(versions, e.Name())
		}
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[j], versions[i]) })
	for _, v := range versions {
		bin := filepath.Join(root, v, "bin")
		b := Binaries{Initdb: filepath.Join(bin, "initdb"), Postgres: filepath.Join(bin, "postgres")}
		if isExecutable(b.Initdb) && isExecutable(b.Postgres) {
			return b, true
		}
	}
	return Binaries{}, false
}

// parseVersion reads folder names such as "15" or "9.6".
func parseVersion(name string) ([]int, bool) {
	var parts []int
	for _, p := range strings.Split(name, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		parts = append(parts, n)
	}
	return parts, true
}

// versionLess compares numerically, so that "10" sorts above "9.6".
func versionLess(a, b string) bool {
	va, _ := parseVersion(a)
	vb, _ := parseVersion(b)
	for i := 0; i < len(va) && i < len(vb); i++ {
		if va[i] != vb[i] {
			return va[i] < vb[i]
		}
	}
	return len(va) < len(vb)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
