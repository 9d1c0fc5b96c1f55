package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Overrides are values given on the command line; they win over the environment and the file.
type Overrides struct {
	Listen      []string
	PublicURL   string
	DatabaseURL string
	DataDir     string
	NoMigrate   bool
}

// LookupEnv reads one environment variable; callers pass os.LookupEnv, tests pass a map.
type LookupEnv func(key string) (string, bool)

// Load builds the configuration: defaults, then the YAML file at path (if path is not empty),
// then MXAUTH_* variables from env, then overrides; and finally Resolve. It returns Problems
// when the file has unknown keys or values of the wrong type. It does not Validate.
func Load(path string, env LookupEnv, ov Overrides) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("reading config file: %w", err)
		}
		if err := decodeYAML(data, &cfg); err != nil {
			return Config{}, err
		}
	}
	applyEnv(&cfg, env)
	applyOverrides(&cfg, ov)
	cfg.Resolve()
	return cfg, nil
}

// Parse decodes YAML into a Config on top of the defaults, then resolves it.
func Parse(data []byte) (Config, error) {
	cfg := Default()
	if err := decodeYAML(data, &cfg); err != nil {
		return Config{}, err
	}
	cfg.Resolve()
	return cfg, nil
}

func applyEnv(cfg *Config, env LookupEnv) {
	if env == nil {
		return
	}
	if v, ok := env("MXAUTH_LISTEN"); ok && v != "" {
		cfg.HTTP.Listen = splitList(v)
	}
	if v, ok := env("MXAUTH_PUBLIC_URL"); ok && v != "" {
		cfg.HTTP.PublicURL = v
	}
	if v, ok := env("MXAUTH_DATABASE_URL"); ok && v != "" {
		cfg.Database.URL = v
	}
	if v, ok := env("MXAUTH_DATA_DIR"); ok && v != "" {
		cfg.DataDir = v
	}
}

func applyOverrides(cfg *Config, ov Overrides) {
	if len(ov.Listen) > 0 {
		cfg.HTTP.Listen = ov.Listen
	}
	if ov.PublicURL != "" {
		cfg.HTTP.PublicURL = ov.PublicURL
	}
	if ov.DatabaseURL != "" {
		cfg.Database.URL = ov.DatabaseURL
	}
	if ov.DataDir != "" {
		cfg.DataDir = ov.DataDir
	}
	if ov.NoMigrate {
		cfg.Database.Migrate = false
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// decodeYAML decodes strictly. Unknown keys are all reported with their dotted path and line
// (the YAML library alone stops at the first and names only the Go type); type errors are
// rewritten to name the key as well.
func decodeYAML(data []byte, cfg *Config) error {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, errEOF) || strings.Contains(err.Error(), "EOF") {
			return nil // an empty file is the defaults
		}
		return Problems{{Key: "(file)", Line: yamlErrLine(err), Message: err.Error()}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil
	}
	if doc.Kind != yaml.MappingNode {
		return Problems{{Key: "(file)", Line: doc.Line, Message: "the top level must be a mapping of keys to values"}}
	}
	w := keyWalk{byLine: map[int]string{}, byKey: map[string]int{}}
	w.walk(doc, reflect.TypeOf(*cfg), "")
	cfg.keyLines = w.byKey
	lines, problems := w.byLine, w.problems
	if len(problems) > 0 {
		return problems
	}
	if err := doc.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				line := yamlErrLine(errors.New(msg))
				key := lines[line]
				if key == "" {
					key = "(file)"
				}
				problems = append(problems, Problem{Key: key, Line: line, Message: stripLine(msg)})
			}
			return problems
		}
		return Problems{{Key: "(file)", Message: err.Error()}}
	}
	return nil
}

var errEOF = errors.New("EOF")

// keyWalk checks every mapping key against the struct fields' yaml tags and records where each
// key is, so type errors (which the YAML library reports by line) and Validate's problems can
// name the key and its line.
type keyWalk struct {
	byLine   map[int]string
	byKey    map[string]int
	problems Problems
}

func (w *keyWalk) record(path string, line int) {
	if _, ok := w.byLine[line]; !ok {
		w.byLine[line] = path
	}
	w.byKey[path] = line
}

func (w *keyWalk) walk(n *yaml.Node, t reflect.Type, prefix string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := join(prefix, k.Value)
			w.byLine[k.Line] = path
			w.byKey[path] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				w.problems = append(w.problems, Problem{Key: path, Line: k.Line, Message: "unknown key"})
				continue
			}
			w.walk(v, ft, path)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			path := prefix + "[" + strconv.Itoa(i) + "]"
			w.record(path, item.Line)
			w.walk(item, t.Elem(), path)
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	m := lineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func stripLine(msg string) string {
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
		return msg[i+2:]
	}
	return msg
}
