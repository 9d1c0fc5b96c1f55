package secretbox

import (
	"bytes"
	"crypto/rand"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSecret(t *testing.T) {
	t.Parallel()
	want := make([]byte, SecretSize)
	for i := range want {
		want[i] = byte(i)
	}
	for _, in := range []string{
		testSecretHex,
		strings.ToUpper(testSecretHex),
		testSecretHex + "\n",
		"  " + testSecretHex + "\r\n",
	} {
		got, err := ParseSecret(in)
		if err != nil {
			t.Errorf("ParseSecret(%q): %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseSecret(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestParseSecretErrorsNeverEchoTheInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantMsg string // a phrase the message must contain: what is expected
		badChar string // the character hex.Decode would have quoted, if any
	}{
		{"empty", "", "64 hexadecimal characters", ""},
		{"too short", testSecretHex[:62], "got 62 characters", ""},
		{"too long", testSecretHex + "00", "got 66 characters", ""},
		{"base64 instead of hex", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "64 hexadecimal characters", ""},
		{"non-hex character", "%%%%" + testSecretHex[4:], "hexadecimal", "%"},
		{"non-hex at the end", testSecretHex[:63] + "q", "hexadecimal", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSecret(tt.in)
			if err == nil {
				t.Fatal("want error, got nil")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %q does not say %q", msg, tt.wantMsg)
			}
			// No 8-character window of the input may appear, nor the bad characters
			// hex.Decode would have quoted.
			for i := 0; i+8 <= len(tt.in); i++ {
				if strings.Contains(msg, tt.in[i:i+8]) {
					t.Errorf("error %q contains part of the secret %q", msg, tt.in[i:i+8])
					break
				}
			}
			if tt.badChar != "" && strings.Contains(msg, tt.badChar) {
				t.Errorf("error %q quotes an offending character", msg)
			}
		})
	}
}

func TestGenerateSecret(t *testing.T) {
	t.Parallel()
	s, err := GenerateSecret(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 64 {
		t.Errorf("len = %d, want 64", len(s))
	}
	secret, err := ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret(GenerateSecret()): %v", err)
	}
	if _, err := New(secret); err != nil {
		t.Errorf("New(generated secret): %v", err)
	}

	fixed, err := GenerateSecret(bytes.NewReader(bytes.Repeat([]byte{0xab}, SecretSize)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Repeat("ab", SecretSize), fixed); diff != "" {
		t.Errorf("GenerateSecret does not hex-encode what it reads (-want +got):\n%s", diff)
	}

	for name, rnd := range map[string]io.Reader{
		"nil":     nil,
		"failing": failingReader{},
		"short":   bytes.NewReader(make([]byte, SecretSize-1)),
	} {
		if _, err := GenerateSecret(rnd); err == nil {
			t.Errorf("GenerateSecret(%s reader): want error", name)
		}
	}
}
