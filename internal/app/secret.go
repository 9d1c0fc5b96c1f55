package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/secretbox"
)

// secretFileName is where the generated encryption secret is kept in the data directory.
const secretFileName = "encryption.key"

// loadSecret returns the encryption secret: from secrets.encryption, from
// secrets.encryption_file, or else from the data directory, where it is generated on first
// start (created exclusively, mode 0600, so two processes starting at once agree on one).
func loadSecret(cfg config.Config, rnd io.Reader) (*secretbox.Box, bool, error) {
	var (
		text      string
		generated bool
	)
	switch {
	case cfg.Secrets.Encryption != "":
		text = cfg.Secrets.Encryption
	case cfg.Secrets.EncryptionFile != "":
		b, err := os.ReadFile(cfg.Secrets.EncryptionFile)
		if err != nil {
			return nil, false, fmt.Errorf("secrets.encryption_file: %w", err)
		}
		text = string(b)
	default:
		var err error
		text, generated, err = dataDirSecret(cfg.DataDir, rnd)
		if err != nil {
			return nil, false, err
		}
	}
	raw, err := secretbox.ParseSecret(strings.TrimSpace(text))
	if err != nil {
		return nil, false, fmt.Errorf("encryption secret: %w", err)
	}
	box, err := secretbox.New(raw)
	return box, generated, err
}

func dataDirSecret(dir string, rnd io.Reader) (string, bool, error) {
	path := filepath.Join(dir, secretFileName)
	if b, err := os.ReadFile(path); err == nil {
		return string(b), false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("reading the encryption secret: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("cannot create the data directory: %w", err)
	}
	secret, err := secretbox.GenerateSecret(rnd)
	if err != nil {
		return "", false, err
	}
	// Write a temporary file, then hard-link it into place: the link fails if another
	// process got there first, and nobody ever reads a half-written secret.
	tmp, err := os.CreateTemp(dir, ".encryption-*.tmp")
	if err != nil {
		return "", false, fmt.Errorf("cannot write the encryption secret in the data directory: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, secret+"\n"); err != nil {
		return "", false, fmt.Errorf("writing the encryption secret: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		b, err := os.ReadFile(path)
		return string(b), false, err
	} else if err != nil {
		return "", false, fmt.Errorf("cannot write the encryption secret in the data directory: %w", err)
	}
	return secret, true, nil
}

// writeAndClose makes f private, writes s, flushes it to disk and closes f.
func writeAndClose(f *os.File, s string) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(s)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
