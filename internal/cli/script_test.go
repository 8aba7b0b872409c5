package cli_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prova-network/prova/internal/cli"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint/onnxtest"
	"github.com/prova-network/prova/internal/tensorio"
)

// TestMain lets the test binary stand in for provad: testscript copies it
// into $PATH as "provad", and when run under that name it is cmd/provad's
// main, cli.Execute with the exit code it returns. This is the only TestMain
// of package cli's tests; another would have to merge with it.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"provad": func() { os.Exit(cli.Execute()) },
	})
}

// realData is the folder of third-party files shared by this workspace's
// checkouts (see its README.md); scripts that use it skip when it is absent.
var realData = func() string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "realdata"))
	if err != nil {
		return ""
	}
	return dir
}()

// TestScript runs the provad commands that need no node against the
// scripts in testdata/script: their output, JSON, exit codes and error
// messages. Run one with -run TestScript/<name>; -testwork keeps the work
// directories.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// provad's default --home is under $HOME; keep it in the work
			// directory (testscript's /no-home would be created when run as
			// root).
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("REALDATA", realData)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "realdata":
				_, err := os.Stat(filepath.Join(realData, "README.md"))
				return err == nil, nil
			case "mnist":
				_, err := mnist.Dir()
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"fromhex":  cmdFromHex,
			"mnist":    cmdMNIST,
		},
	})
}

// cmdExitCode runs a command and checks its exit status:
//
//	exitcode N program [args...]
//
// stdout and stderr are then the command's, as after exec.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// cmdFromHex writes a binary file described in a text file, so that the
// scripts can hold hand-made model files that a reviewer can read:
//
//	fromhex SRC DST
//
// Each line of SRC holds a Go string literal ("..." with Go escapes), whose
// bytes are written as they are, or hexadecimal bytes separated by spaces,
// or nothing; then, optionally, # and a comment.
func cmdFromHex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fromhex SRC DST")
	}
	var out []byte
	for i, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, `"`) {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				ts.Fatalf("%s:%d: %v", args[0], i+1, err)
			}
			s, _ := strconv.Unquote(q)
			out = append(out, s...)
			line = line[len(q):]
		}
		line, _, _ = strings.Cut(line, "#")
		b, err := hex.DecodeString(strings.Join(strings.Fields(line), ""))
		if err != nil {
			ts.Fatalf("%s:%d: %v", args[0], i+1, err)
		}
		out = append(out, b...)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o644))
}

// cmdMNIST writes MNIST files for the inference scripts:
//
//	mnist model mlp|cnn DST        the committed int8 model
//	mnist image N mlp|cnn DST      test image N as the model's input (.npy or .json by DST's extension)
//	mnist label N                  prints test label N
//	mnist softmax DST              an int8 model ending in Softmax, which the runtime does not execute
func cmdMNIST(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mnist model|image|label|softmax ...")
	}
	switch args[0] {
	case "model":
		b := mnist.MLP()
		if args[1] == "cnn" {
			b = mnist.CNN()
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), b, 0o644))
	case "image", "label":
		set, err := mnist.TestSet()
		ts.Check(err)
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		if args[0] == "label" {
			fmt.Fprintln(ts.Stdout(), set.Labels[n])
			return
		}
		in := mnist.MLPInput(set.Image(n))
		if args[2] == "cnn" {
			in = mnist.CNNInput(set.Image(n))
		}
		var b []byte
		if strings.HasSuffix(args[3], ".json") {
			b, err = json.Marshal(map[string]json.RawMessage{"input": nested(tensorio.ToOutput(in))})
		} else {
			b, err = tensorio.WriteNPY(in)
		}
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[3]), b, 0o644))
	case "softmax":
		g := onnxtest.NewGraph(13)
		g.Input("x", onnxtest.Int8, 1, 4)
		g.Node("Softmax", "probabilities", []string{"x"}, []string{"y"})
		g.Output("y", onnxtest.Int8, 1, 4)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), g.Bytes(), 0o644))
	default:
		ts.Fatalf("mnist: unknown subcommand %q", args[0])
	}
}

// nested turns a flat output into a nested JSON array of its shape.
func nested(o tensorio.Output) json.RawMessage {
	var flat []json.RawMessage
	if err := json.Unmarshal(o.Data, &flat); err != nil {
		panic(err)
	}
	var build func(dims []int64) any
	i := 0
	build = func(dims []int64) any {
		if len(dims) == 0 {
			v := flat[i]
			i++
			return v
		}
		out := make([]any, dims[0])
		for k := range out {
			out[k] = build(dims[1:])
		}
		return out
	}
	b, _ := json.Marshal(build(o.Shape))
	return b
}
