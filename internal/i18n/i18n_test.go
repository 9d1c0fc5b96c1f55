package i18n

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func newBundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func languageOf(t *testing.T, b *Bundle, tag string) Language {
	t.Helper()
	l, ok := b.Language(tag)
	if !ok {
		t.Fatalf("no language %s", tag)
	}
	return l
}

func TestMatch(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	tests := []struct {
		header string
		want   string
	}{
		{"", "en"},
		{"de", "de"},
		{"de-DE", "de"},
		{"de-AT,en;q=0.8", "de"},
		{"de-CH", "de"},
		{"gsw", "de"}, // Swiss German is served by German
		{"en-US,en;q=0.9", "en"},
		{"en-GB", "en"},
		{"fr", "en"},
		{"fr-FR,fr;q=0.9,de;q=0.5", "de"},
		{"fr,en;q=0.5,de;q=0.7", "de"},
		{"en;q=0.1,de;q=0.9", "de"},
		{"de;q=0,en", "en"},
		{"de;q=0", "en"},
		{"*", "en"},
		{"*;q=0.5,de;q=0.1", "de"},
		{"de;q=abc,en", "en"},
		{"xx-!!,de", "de"},
		{";;;,,,", "en"},
		{"nl,de;q=0.3", "de"},
		{"zh-Hant-TW", "en"},
		{"DE-de", "de"},
		{"de-Latn-DE-1996", "de"},
		{strings.Repeat("fr,", 40) + "de", "en"}, // de is past the entry limit
		{strings.Repeat("x", 10000), "en"},
		{"fr," + strings.Repeat(" ", 5000) + "de", "en"}, // de is past the length limit
		{"en, de", "en"},
		{"de, en", "de"},
		{" de ; q=1 ", "de"},
	}
	for _, tc := range tests {
		if got := b.Match(tc.header).Tag(); got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestPreferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   []string
	}{
		{"", []string{}},
		{"de-CH, fr;q=0.8, en;q=0.9", []string{"de-CH", "en", "fr"}},
		{"fr;q=0.5, de;q=0.5, en", []string{"en", "fr", "de"}}, // ties keep header order
		{"*, de;q=0, bogus!!, nl", []string{"nl"}},
		{"pt-BR;q=1.5", []string{"pt-BR"}},
	}
	for _, tc := range tests {
		got := []string{}
		for _, tag := range Preferences(tc.header) {
			got = append(got, tag.String())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Preferences(%q) (-want +got):\n%s", tc.header, diff)
		}
	}
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	var got []string
	for _, l := range b.Languages() {
		got = append(got, l.Tag())
	}
	if diff := cmp.Diff([]string{"en", "de"}, got); diff != "" {
		t.Errorf("Languages (-want +got):\n%s", diff)
	}
	if _, ok := b.Language("fr"); ok {
		t.Error(`Language("fr") found a language that has no catalogue`)
	}
	if !b.Has("LoginTitle") || b.Has("NoSuchMessage") {
		t.Errorf("Has(LoginTitle) = %v, Has(NoSuchMessage) = %v", b.Has("LoginTitle"), b.Has("NoSuchMessage"))
	}
}

// TestEveryMessageIsTranslated reads the message files as plain JSON, apart from the loader,
// and checks that German has every id of English and no other; then it translates every
// message in every language with its placeholders filled.
func TestEveryMessageIsTranslated(t *testing.T) {
	t.Parallel()
	ids := func(tag string) []string {
		buf, err := messageFiles.ReadFile("messages/" + tag + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(buf, &m); err != nil {
			t.Fatal(err)
		}
		var out []string
		for id := range m {
			out = append(out, id)
		}
		return out
	}
	sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	if diff := cmp.Diff(ids("en"), ids("de"), sorted); diff != "" {
		t.Errorf("message ids, en (-) vs de (+):\n%s", diff)
	}

	b := newBundle(t)
	if diff := cmp.Diff(ids("en"), b.IDs(), sorted); diff != "" {
		t.Errorf("IDs() (-want +got):\n%s", diff)
	}
	for _, l := range b.Languages() {
		for _, id := range b.IDs() {
			e := l.l.entries[id]
			data := map[string]any{}
			for _, f := range e.fields {
				data[f] = "X"
			}
			for _, count := range []int{1, 7} {
				if e.plural() {
					data["Count"] = count
				}
				got, err := l.Text(Message{ID: id, Data: data})
				if err != nil {
					t.Errorf("%s %s: %v", l.Tag(), id, err)
					continue
				}
				if strings.TrimSpace(got) == "" || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("%s %s = %q", l.Tag(), id, got)
				}
			}
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	en, de := languageOf(t, b, "en"), languageOf(t, b, "de")
	tests := []struct {
		name string
		lang Language
		msg  Message
		want string
	}{
		{"plain", en, Message{ID: "LoginTitle"}, "Sign in"},
		{"plain German", de, Message{ID: "LoginTitle"}, "Anmelden"},
		{"plain ignores data", de, Message{ID: "LoginTitle", Data: map[string]any{"X": 1}}, "Anmelden"},
		{"data", en, Message{ID: "ErrorStatus", Data: map[string]any{"Status": 404}}, "Error 404"},
		{"data German", de, Message{ID: "ConsentTitle", Data: map[string]any{"Client": "Element"}}, "Element zulassen?"},
		{"one", en, Message{ID: "TooManyRequestsMinutes", Data: map[string]any{"Count": 1}},
			"You tried too often in a short time. Try again in 1 minute."},
		{"other", en, Message{ID: "TooManyRequestsMinutes", Data: map[string]any{"Count": 3}},
			"You tried too often in a short time. Try again in 3 minutes."},
		{"one German", de, Message{ID: "TooManyRequestsHours", Data: map[string]any{"Count": 1}},
			"Sie haben es in kurzer Zeit zu oft versucht. Versuchen Sie es in einer Stunde erneut."},
		{"other German", de, Message{ID: "TooManyRequestsSeconds", Data: map[string]any{"Count": 30}},
			"Sie haben es in kurzer Zeit zu oft versucht. Versuchen Sie es in 30 Sekunden erneut."},
		{"zero is other", en, Message{ID: "TooManyRequestsSeconds", Data: map[string]any{"Count": 0}},
			"You tried too often in a short time. Try again in 0 seconds."},
		{"data is text, not markup", en, Message{ID: "ErrorStatus", Data: map[string]any{"Status": "<b>{{.X}}</b>"}}, "Error <b>{{.X}}</b>"},
	}
	for _, tc := range tests {
		got, err := tc.lang.Text(tc.msg)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: Text(%v) = %q, want %q", tc.name, tc.msg, got, tc.want)
		}
	}
}

func TestTextErrors(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	en := languageOf(t, b, "en")
	tests := []struct {
		name string
		lang Language
		msg  Message
	}{
		{"unknown id", en, Message{ID: "NoSuchMessage"}},
		{"empty id", en, Message{}},
		{"missing field", en, Message{ID: "ErrorStatus"}},
		{"missing count", en, Message{ID: "TooManyRequestsMinutes", Data: map[string]any{"Other": 1}}},
		{"count not a number", en, Message{ID: "TooManyRequestsMinutes", Data: map[string]any{"Count": "many"}}},
		{"zero Language", Language{}, Message{ID: "LoginTitle"}},
	}
	for _, tc := range tests {
		if got, err := tc.lang.Text(tc.msg); err == nil {
			t.Errorf("%s: Text(%v) = %q, want an error", tc.name, tc.msg, got)
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	tests := []struct {
		tag, id string
		want    Split
	}{
		{"en", "ConsentHeading", Split{"Allow ", " to access your account?"}},
		{"de", "ConsentHeading", Split{"Darf ", " auf Ihr Konto zugreifen?"}},
		{"en", "SignedInAs", Split{"Signed in as ", "."}},
		{"de", "ErrorRequestID", Split{"Wenn Sie die Administration um Hilfe bitten, nennen Sie diese Anfrage-ID: ", ""}},
	}
	for _, tc := range tests {
		got, err := languageOf(t, b, tc.tag).Split(tc.id)
		if err != nil {
			t.Errorf("%s Split(%s): %v", tc.tag, tc.id, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s Split(%s) = %q, want %q", tc.tag, tc.id, got, tc.want)
		}
	}
	for _, id := range []string{"LoginTitle", "TooManyRequestsMinutes", "NoSuchMessage"} {
		if _, err := languageOf(t, b, "en").Split(id); err == nil {
			t.Errorf("Split(%s) succeeded on a message without exactly one placeholder", id)
		}
	}
	if _, err := (Language{}).Split("SignedInAs"); err == nil {
		t.Error("the zero Language split a message")
	}
}

// TestPlainTextAllocatesNothing keeps the common case of page rendering cheap.
func TestPlainTextAllocatesNothing(t *testing.T) {
	b := newBundle(t)
	de := languageOf(t, b, "de")
	msg := Message{ID: "LoginSubmit"}
	if n := testing.AllocsPerRun(100, func() { _, _ = de.Text(msg) }); n != 0 {
		t.Errorf("Text of a plain message allocates %.0f times", n)
	}
}

func TestLoadRejectsBrokenCatalogues(t *testing.T) {
	t.Parallel()
	const en = `{"Hello": "Hello {{.Name}}", "Files": {"one": "{{.Count}} file", "other": "{{.Count}} files"}}`
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"no source", map[string]string{"de.json": `{"Hello": "Hallo {{.Name}}"}`}},
		{"invalid JSON", map[string]string{"en.json": `{"Hello": `}},
		{"missing translation", map[string]string{"en.json": en, "de.json": `{"Hello": "Hallo {{.Name}}"}`}},
		{"stray translation", map[string]string{"en.json": en,
			"de.json": `{"Hello": "Hallo {{.Name}}", "Files": {"one": "eine Datei", "other": "{{.Count}} Dateien"}, "Bye": "Tschüss"}`}},
		{"other placeholder", map[string]string{"en.json": en,
			"de.json": `{"Hello": "Hallo {{.Nom}}", "Files": {"one": "eine Datei", "other": "{{.Count}} Dateien"}}`}},
		{"dropped placeholder", map[string]string{"en.json": en,
			"de.json": `{"Hello": "Hallo", "Files": {"one": "eine Datei", "other": "{{.Count}} Dateien"}}`}},
		{"missing plural form", map[string]string{"en.json": en,
			"de.json": `{"Hello": "Hallo {{.Name}}", "Files": "{{.Count}} Dateien"}`}},
		{"template action", map[string]string{"en.json": `{"Hello": "Hello {{if .Name}}you{{end}}"}`}},
		{"unclosed action", map[string]string{"en.json": `{"Hello": "Hello {{.Name"}`}},
		{"no other form", map[string]string{"en.json": `{"Files": {"one": "a file"}}`}},
		{"custom delimiters", map[string]string{"en.json": `{"Hello": {"leftDelim": "<<", "rightDelim": ">>", "other": "Hello <<.Name>>"}}`}},
		{"non-canonical file name", map[string]string{"en.json": `{"Hello": "Hello"}`, "de-de.json": `{"Hello": "Hallo"}`}},
		{"not a language", map[string]string{"en.json": `{"Hello": "Hello"}`, "messages.json": `{"Hello": "Hallo"}`}},
	}
	for _, tc := range tests {
		fsys := fstest.MapFS{}
		for name, content := range tc.files {
			fsys["messages/"+name] = &fstest.MapFile{Data: []byte(content)}
		}
		if _, err := load(fsys, "messages"); err == nil {
			t.Errorf("%s: load succeeded", tc.name)
		}
	}

	good := fstest.MapFS{
		"messages/en.json": {Data: []byte(en)},
		"messages/de.json": {Data: []byte(`{"Hello": "Hallo {{ .Name }}", "Files": {"one": "eine Datei", "other": "{{.Count}} Dateien"}}`)},
	}
	b, err := load(good, "messages")
	if err != nil {
		t.Fatalf("load of a good catalogue: %v", err)
	}
	got, err := languageOf(t, b, "de").Text(Message{ID: "Files", Data: map[string]any{"Count": 1}})
	if err != nil || got != "eine Datei" {
		t.Errorf("Files with Count 1 = %q, %v", got, err)
	}
}

func FuzzMatch(f *testing.F) {
	for _, seed := range []string{"", "de", "de-CH,en;q=0.5", "*", "en;q=0.", "de;q=1e9", "x-private", "de_DE", "i-klingon", "zh-Hant-TW;q=0.3", ",,,;q=", "de-u-co-phonebk"} {
		f.Add(seed)
	}
	b, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := b.Match(header).Tag()
		if got != "en" && got != "de" {
			t.Errorf("Match(%q) = %q", header, got)
		}
		if n := len(Preferences(header)); n > maxAcceptEntries {
			t.Errorf("Preferences(%q) returned %d tags, more than the %d entries it may read", header, n, maxAcceptEntries)
		}
	})
}
