// Command mnist-train trains Prova's two MNIST models (a 784-128-10 MLP and a
// small CNN) in pure Go, quantizes them statically to int8 and writes them
// as ONNX:
//
//	go run ./internal/mnist/cmd/mnist-train -out internal/mnist/models
//
// writes mlp-f32.onnx, mlp-int8.onnx, cnn-f32.onnx and cnn-int8.onnx and
// prints the float and int8 test accuracies (int8 measured by the exact
// integer simulation of internal/mnist/train). Runs are deterministic.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/mnist/train"
)

func main() {
	out := flag.String("out", "internal/mnist/models", "directory to write the models to")
	only := flag.String("only", "", "train only this model (mlp or cnn)")
	calib := flag.Int("calib", 1000, "number of training images to calibrate activation ranges on")
	pool := flag.String("pool", "quantized", "CNN max-pool form: quantized (MaxPool on uint8) or qdq (DQ → MaxPool → Q)")
	epochs := flag.Int("epochs", 0, "override the number of epochs (0: the defaults)")
	flag.Parse()
	log.SetFlags(0)

	poolForm := train.PoolQuantized
	switch *pool {
	case "quantized":
	case "qdq":
		poolForm = train.PoolQDQ
	default:
		log.Fatalf("-pool %q: want quantized or qdq", *pool)
	}
	trainSet, err := mnist.TrainSet()
	if err != nil {
		log.Fatal(err)
	}
	testSet, err := mnist.TestSet()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	idx := train.CalibrationIndices(trainSet, *calib)

	type job struct {
		name  string
		model train.Model
		cfg   train.Config
		seed  uint64
	}
	jobs := []job{
		{"mlp", train.NewMLP(101), train.DefaultMLPConfig(), 101},
		{"cnn", train.NewCNN(202), train.DefaultCNNConfig(), 202},
	}
	for _, j := range jobs {
		if *only != "" && *only != j.name {
			continue
		}
		if *epochs > 0 {
			j.cfg.Epochs = *epochs
		}
		j.cfg.Log = func(format string, args ...any) { log.Printf("%s: "+format, append([]any{j.name}, args...)...) }
		start := time.Now()
		if err := train.Train(j.model, trainSet, j.cfg); err != nil {
			log.Fatal(err)
		}
		took := time.Since(start)
		facc := train.Accuracy(train.Predict(j.model, testSet), testSet.Labels)

		q, err := train.Quantize(j.model, trainSet, idx)
		if err != nil {
			log.Fatal(err)
		}
		sim, err := train.NewSim(q)
		if err != nil {
			log.Fatal(err)
		}
		qacc := train.Accuracy(train.PredictSim(sim, testSet), testSet.Labels)

		meta := map[string]string{
			"training": fmt.Sprintf("Adam, %d epochs, batch %d, lr %g decaying x%g per epoch, init seed %d, order seed %d",
				j.cfg.Epochs, j.cfg.Batch, j.cfg.LR, j.cfg.Decay, j.seed, j.cfg.Seed),
		}
		fb, err := train.FloatONNX(j.model, meta)
		if err != nil {
			log.Fatal(err)
		}
		qb, err := train.QuantONNX(q, poolForm, train.ExportInfo{Calibration: len(idx), Extra: meta})
		if err != nil {
			log.Fatal(err)
		}
		// The file must read back to the model just simulated.
		back, err := train.ReadQuantONNX(qb)
		if err != nil {
			log.Fatal(err)
		}
		if err := train.SameQModel(back, q); err != nil {
			log.Fatal(err)
		}
		for name, b := range map[string][]byte{j.name + "-f32.onnx": fb, j.name + "-int8.onnx": qb} {
			if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
				log.Fatal(err)
			}
			log.Printf("%s: wrote %s (%d bytes)", j.name, name, len(b))
		}
		log.Printf("%s: trained in %v; test accuracy float %.2f%%, int8 %.2f%% (integer simulation)",
			j.name, took.Round(time.Second), 100*facc, 100*qacc)
	}
}
