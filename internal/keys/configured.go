package keys

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ConfiguredKey is a signing key given in the configuration.
type ConfiguredKey struct {
	// KID is the published key ID. Empty means: derive it from the key's RFC 7638 thumbprint.
	KID string
	// PEM holds one private key: PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1
	// "EC PRIVATE KEY" (optionally preceded by "EC PARAMETERS", as `openssl ecparam
	// -genkey` writes it).
	PEM []byte
}

// loadConfigured turns the configured keys into signing keys, in the order given, so the
// first key of each algorithm signs and later ones are only published. That order lets an
// operator publish a replacement key (append it) before it signs (move it first).
func loadConfigured(configured []ConfiguredKey) ([]signingKey, error) {
	keys := make([]signingKey, 0, len(configured))
	seen := map[string]bool{}
	for i, c := range configured {
		name := fmt.Sprintf("%q", c.KID)
		if c.KID == "" {
			name = fmt.Sprintf("#%d (no kid)", i+1)
		}
		priv, err := parsePrivateKeyPEM(c.PEM)
		if err != nil {
			return nil, fmt.Errorf("keys: configured signing key %s: %w", name, err)
		}
		alg, signer, err := algFor(priv)
		if err != nil {
			return nil, fmt.Errorf("keys: configured signing key %s: %w", name, err)
		}
		kid := c.KID
		if kid == "" {
			if kid, err = thumbprintKID(signer); err != nil {
				return nil, fmt.Errorf("keys: configured signing key %s: %w", name, err)
			}
		}
		if seen[kid] {
			return nil, fmt.Errorf("keys: configured signing key %s: kid %q is used by an earlier key; every key needs its own kid (RFC 7517 §4.5)", name, kid)
		}
		seen[kid] = true
		keys = append(keys, signingKey{kid: kid, alg: alg, signer: signer})
	}
	return keys, nil
}

// parsePrivateKeyPEM decodes the one private key in data. Errors say what was found and
// what is expected, never the key material.
func parsePrivateKeyPEM(data []byte) (any, error) {
	var found *pem.Block
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "EC PARAMETERS":
			// Only names the curve, which the key itself repeats.
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if found != nil {
				return nil, errors.New("PEM holds more than one private key; give each key its own entry")
			}
			found = block
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported; store the key unencrypted with restricted file permissions")
		default:
			return nil, fmt.Errorf("unexpected PEM block %q; want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY", block.Type)
		}
	}
	if found == nil {
		return nil, errors.New("no PEM-encoded private key found")
	}
	// RFC 1421 style encryption ("Proc-Type: 4,ENCRYPTED"), as `openssl genrsa -aes256` writes.
	if strings.Contains(found.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, errors.New("encrypted private keys are not supported; store the key unencrypted with restricted file permissions")
	}
	var (
		priv any
		err  error
	)
	switch found.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(found.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(found.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(found.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", found.Type, err)
	}
	return priv, nil
}
