package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// operatorTokenFile is where dev mode keeps the operator token it made, so
// that it stays the same across `make run`s (a newcomer's scripts and
// shells keep working) and other terminals can read it.
const operatorTokenFile = "operator.token"

// devOperatorToken returns dev mode's operator token: the one kept in
// dataDir, or a new random one, kept there (0600) for the next start.
func devOperatorToken(dataDir string) (token, path string, err error) {
	path = filepath.Join(dataDir, operatorTokenFile)
	body, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(body)) != "" {
		return strings.TrimSpace(string(body)), path, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", path, fmt.Errorf("read the operator token: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", path, fmt.Errorf("create %s: %w", dataDir, err)
	}
	token = rand.Text()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", path, fmt.Errorf("keep the operator token: %w", err)
	}
	return token, path, nil
}
