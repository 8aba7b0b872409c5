// Command inferbench measures the integer ONNX runtime (internal/onnxint) on
// the committed int8 MNIST models against onnxruntime-node (test/ort), one
// thread each, in the same run: inferences per second plain and with the
// trace commitment, and onnxruntime's on the same model and inputs.
//
//	go run ./bench/cmd/inferbench                 # both models, 5 s per figure
//	go run ./bench/cmd/inferbench -seconds 10 -o json
//	GOAMD64=v1 go run ./bench/cmd/inferbench      # the baseline x86-64 code path
//
// The runtime runs on one goroutine with GOMAXPROCS=1; onnxruntime runs with
// intra- and inter-op threads set to 1 (bench mode of test/ort/ort.mjs, which
// calls session.run from Node.js, so its figure includes the binding's
// per-call cost). Inputs are the first 1,000 MNIST test images in turn.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
)

type figure struct {
	Model       string  `json:"model"`
	Cost        int64   `json:"cost"`
	PlainNS     float64 `json:"onnxint_ns"`
	TracedNS    float64 `json:"onnxint_traced_ns"`
	ORTNS       float64 `json:"onnxruntime_ns,omitempty"`
	VsORT       float64 `json:"speed_vs_onnxruntime,omitempty"`
	TraceFactor float64 `json:"trace_overhead"`
}

func main() {
	seconds := flag.Float64("seconds", 5, "seconds per figure")
	images := flag.Int("images", 1000, "test images to cycle through")
	ortDir := flag.String("ort", "test/ort", "directory of ort.mjs with node_modules installed (empty: skip onnxruntime)")
	output := flag.String("o", "text", "output format (text|json)")
	flag.Parse()
	runtime.GOMAXPROCS(1)

	set, err := mnist.TestSet()
	if err != nil {
		fail(err)
	}
	n := min(*images, set.Len())
	dur := time.Duration(*seconds * float64(time.Second))
	var figs []figure
	for _, c := range []struct {
		name string
		onnx []byte
		dims []int64
	}{
		{"mlp-int8 (784-128-10)", mnist.MLP(), mnist.MLPInputDims},
		{"cnn-int8 (LeNet-like)", mnist.CNN(), mnist.CNNInputDims},
	} {
		m, err := onnxint.Load(c.onnx)
		if err != nil {
			fail(err)
		}
		inputs := make([]*onnxint.Tensor, n)
		for i := range inputs {
			inputs[i] = mnist.InputTensor(set.Image(i), c.dims)
		}
		f := figure{Model: c.name, Cost: m.Cost()}
		f.PlainNS = timeRuns(m, inputs, onnxint.Options{}, dur)
		f.TracedNS = timeRuns(m, inputs, onnxint.Options{Trace: true}, dur)
		f.TraceFactor = f.TracedNS / f.PlainNS
		if *ortDir != "" {
			f.ORTNS, err = ortBench(*ortDir, c.onnx, c.dims, inputs, *seconds)
			if err != nil {
				fail(fmt.Errorf("onnxruntime: %w", err))
			}
			f.VsORT = f.ORTNS / f.PlainNS
		}
		figs = append(figs, f)
	}
	if *output == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"go": runtime.Version(), "goarch": runtime.GOARCH, "goamd64": os.Getenv("GOAMD64"), "figures": figs})
		return
	}
	fmt.Printf("%-24s %12s %14s %14s %14s %10s %10s\n", "model", "cost", "onnxint", "traced", "onnxruntime", "vs ORT", "trace ×")
	for _, f := range figs {
		ort := "-"
		if f.ORTNS > 0 {
			ort = fmt.Sprintf("%.1f µs", f.ORTNS/1e3)
		}
		fmt.Printf("%-24s %12d %11.1f µs %11.1f µs %14s %9.2f× %9.2f×\n", f.Model, f.Cost, f.PlainNS/1e3, f.TracedNS/1e3, ort, f.VsORT, f.TraceFactor)
	}
}

// timeRuns runs the model over the inputs in turn for about d after a short
// warm-up and returns nanoseconds per inference.
func timeRuns(m *onnxint.Model, inputs []*onnxint.Tensor, opt onnxint.Options, d time.Duration) float64 {
	for i := range min(len(inputs), 100) {
		if _, err := m.Run(inputs[i:i+1], opt); err != nil {
			fail(err)
		}
	}
	runs := 0
	start := time.Now()
	for time.Since(start) < d {
		for range 50 {
			if _, err := m.Run(inputs[runs%len(inputs):runs%len(inputs)+1], opt); err != nil {
				fail(err)
			}
			runs++
		}
	}
	return float64(time.Since(start).Nanoseconds()) / float64(runs)
}

// ortBench runs test/ort/ort.mjs in bench mode on the same model and inputs.
func ortBench(dir string, model []byte, dims []int64, inputs []*onnxint.Tensor, seconds float64) (float64, error) {
	tmp, err := os.MkdirTemp("", "inferbench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	mp := filepath.Join(tmp, "model.onnx")
	if err := os.WriteFile(mp, model, 0o644); err != nil {
		return 0, err
	}
	var raw []byte
	for _, t := range inputs {
		for _, u := range t.F {
			raw = binary.LittleEndian.AppendUint32(raw, u)
		}
	}
	ip := filepath.Join(tmp, "in.f32")
	if err := os.WriteFile(ip, raw, 0o644); err != nil {
		return 0, err
	}
	ds := make([]string, len(dims))
	for i, d := range dims {
		ds[i] = strconv.FormatInt(d, 10)
	}
	cmd := exec.Command("node", "ort.mjs", "bench", mp, strings.Join(ds, ","), ip, strconv.FormatFloat(seconds, 'f', -1, 64))
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	var r struct {
		Runs     int     `json:"runs"`
		NSPerRun float64 `json:"ns_per_run"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("%w: %s", err, out)
	}
	return r.NSPerRun, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "inferbench:", err)
	os.Exit(1)
}
