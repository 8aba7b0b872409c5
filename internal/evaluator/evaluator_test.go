package evaluator

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseScore(t *testing.T) {
	cases := []struct {
		name, out string
		max, want uint64
		err       error
	}{
		{"plain", "8100\n", 10_000, 8100, nil},
		{"last line wins", "loading model\naccuracy 0.81\n8100\n\n", 10_000, 8100, nil},
		{"spaces", "  42  ", 100, 42, nil},
		{"top of scale", "100", 100, 100, nil},
		{"zero", "0", 100, 0, nil},
		{"above scale", "101", 100, 0, ErrScoreOutOfScale},
		{"negative", "-1", 100, 0, ErrEvalCommandFailed},
		{"decimal", "0.81", 100, 0, ErrEvalCommandFailed},
		{"empty", "\n\n", 100, 0, ErrEvalCommandFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseScore(tc.out, tc.max)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("ParseScore(%q, %d) = %d, %v; want %d, %v", tc.out, tc.max, got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzParseScore(f *testing.F) {
	f.Add("8100\n", uint64(10_000))
	f.Add("x\n1", uint64(1))
	f.Fuzz(func(t *testing.T, out string, max uint64) {
		if s, err := ParseScore(out, max); err == nil && s > max {
			t.Fatalf("score %d above max %d accepted", s, max)
		}
	})
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	toml := write("e.toml", "command = \"./eval.sh --fast\"\ntimeout = \"20m\"\npoll = \"2s\"\n[env]\nHF_HOME = \"/data/hf\"\n")
	yml := write("e.yaml", "command: ./eval.sh --fast\ntimeout: 20m\npoll: 2s\nenv:\n  HF_HOME: /data/hf\n")
	for _, p := range []string{toml, yml} {
		c, err := LoadConfig(p)
		if err != nil {
			t.Fatal(err)
		}
		if c.Command != "./eval.sh --fast" || c.Timeout != "20m" || c.Poll != "2s" || c.Env["HF_HOME"] != "/data/hf" {
			t.Fatalf("%s: %+v", p, c)
		}
	}
	for _, p := range []string{
		write("typo.toml", "comand = \"x\"\n"),
		write("typo.yaml", "comand: x\n"),
		write("e.ini", "command=x"),
	} {
		if _, err := LoadConfig(p); err == nil {
			t.Errorf("%s: accepted", p)
		}
	}
}
