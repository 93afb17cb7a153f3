package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rosterhq/roster/infra/config"
	"github.com/rosterhq/roster/infra/personaldata"
)

// masterKeyFile is where the embedded default keeps its generated master key.
const masterKeyFile = "master.key"

// loadMasterKey returns the configured master key. With the embedded
// database and none configured, it uses (and on first start generates) the
// one in the data folder; with an external database one must be configured,
// since a generated key would be lost with the container running roster.
func loadMasterKey(db config.Database, secrets config.Secrets, log *slog.Logger) (personaldata.MasterKey, error) {
	if secrets.MasterKey != "" {
		return personaldata.ParseMasterKey(secrets.MasterKey)
	}
	if !db.Embedded() {
		return personaldata.MasterKey{}, errors.New("ROSTER_MASTER_KEY is required with ROSTER_DATABASE_URL (base64 of 32 random bytes, e.g. from 'openssl rand -base64 32')")
	}
	path := filepath.Join(db.DataDir, masterKeyFile)
	body, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return generateMasterKey(path, log)
	}
	if err != nil {
		return personaldata.MasterKey{}, fmt.Errorf("read the master key: %w", err)
	}
	return personaldata.ParseMasterKey(string(body))
}

func generateMasterKey(path string, log *slog.Logger) (personaldata.MasterKey, error) {
	encoded, err := personaldata.GenerateMasterKey()
	if err != nil {
		return personaldata.MasterKey{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return personaldata.MasterKey{}, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	// O_EXCL: two first starts at once must not each write a different key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return personaldata.MasterKey{}, fmt.Errorf("write the master key: %w", err)
	}
	if _, err := f.WriteString(encoded + "\n"); err != nil {
		f.Close()
		return personaldata.MasterKey{}, fmt.Errorf("write the master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return personaldata.MasterKey{}, fmt.Errorf("write the master key: %w", err)
	}
	log.Warn("generated a master key for personal data; back it up — without it no name or e-mail can be read", "file", path)
	return personaldata.ParseMasterKey(encoded)
}
