// Command lineagebench measures the registry's Ancestors query at depth 5
// over a synthetic registry, through the application's ABCI query path
// (BaseApp.Query on "/prova.registry.v1.Query/Ancestors"), with a single
// Model point query through the same path as the baseline in the same run.
// Run it from the repository root:
//
//	go run ./bench/cmd/lineagebench --models 1000000
//
// It creates a one-validator genesis with internal/devnet in a temporary
// directory, builds the real application (app.New) on an on-disk goleveldb
// database there, runs InitChain and the first block through ABCI, then
// writes the synthetic models straight through the registry keeper's
// collections (Models and the Children index, exactly what the message
// server stores for a model), committing a new IAVL version every --batch
// models. Registering 1M models as signed transactions would take hours
// on a small machine; writing through the keeper gives the same keys and
// values in the same stores.
//
// The DAG: the first --roots models have no parents; every later model has
// between --min-parents and --max-parents parents (uniform), each chosen
// among earlier models, with probability --local from the previous
// --window models (fine-tune chains are usually recent) and otherwise
// uniformly among all earlier models.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/log/v2"
	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/baseapp"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/x/registry/keeper"
	"github.com/prova-network/prova/x/registry/types"
)

type options struct {
	models, roots, minParents, maxParents, window, batch, queries int
	datasets, datasetsPerModel                                    int
	depth                                                         uint
	local                                                         float64
	seed                                                          uint64
	workdir                                                       string
	keep, reuse                                                   bool
	rounds                                                        int
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lineagebench:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	flag.IntVar(&o.models, "models", 1_000_000, "synthetic models to register")
	flag.IntVar(&o.roots, "roots", 1000, "models without parents (the first ones)")
	flag.IntVar(&o.minParents, "min-parents", 1, "fewest parents of a non-root model")
	flag.IntVar(&o.maxParents, "max-parents", 3, "most parents of a non-root model")
	flag.IntVar(&o.window, "window", 1000, "recent models a local parent is drawn from")
	flag.Float64Var(&o.local, "local", 0.5, "probability that a parent is drawn from the recent window")
	flag.IntVar(&o.datasets, "datasets", 0, "synthetic datasets to register before the models")
	flag.IntVar(&o.datasetsPerModel, "datasets-per-model", 0, "dataset links (trained_on) per model, drawn from --datasets")
	flag.IntVar(&o.batch, "batch", 50_000, "models per committed IAVL version")
	flag.IntVar(&o.queries, "queries", 10_000, "queries of each kind (random models)")
	flag.UintVar(&o.depth, "depth", 5, "max_depth of the Ancestors query")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed")
	flag.StringVar(&o.workdir, "workdir", "", "directory for the genesis home and database (default: a new temporary directory)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.BoolVar(&o.reuse, "reuse", false, "measure only, on the database a --keep run left in --workdir (pass the same --models and --seed)")
	flag.IntVar(&o.rounds, "rounds", 1, "measurement rounds (each: both query kinds over the same targets)")
	flag.Parse()
	if o.roots < 1 || o.roots > o.models || o.minParents < 1 || o.maxParents < o.minParents || o.batch < 1 {
		return fmt.Errorf("bad flags: need 1 <= roots <= models, 1 <= min-parents <= max-parents, batch >= 1")
	}
	if o.datasetsPerModel < 0 || o.datasetsPerModel > o.datasets {
		return fmt.Errorf("bad flags: need 0 <= datasets-per-model <= datasets")
	}

	dir := o.workdir
	if dir == "" {
		d, err := os.MkdirTemp("", "lineagebench-")
		if err != nil {
			return err
		}
		dir = d
	}
	if o.reuse {
		if o.workdir == "" {
			return fmt.Errorf("--reuse needs --workdir")
		}
		db, err := dbm.NewGoLevelDB("application", filepath.Join(dir, "data"), nil)
		if err != nil {
			return err
		}
		a := app.New(log.NewNopLogger(), db, true, simtestutil.NewAppOptionsWithFlagHome(filepath.Join(dir, "home")),
			baseapp.SetChainID("lineagebench-1"))
		fmt.Printf("lineagebench: reusing %s, height %d, %d models assumed, seed %d\n", dir, a.LastBlockHeight(), o.models, o.seed)
		return measureRounds(a, o)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("lineagebench: %d models, %d roots, %d..%d parents, local %.2f of window %d, batch %d, seed %d\n",
		o.models, o.roots, o.minParents, o.maxParents, o.local, o.window, o.batch, o.seed)
	fmt.Printf("work directory %s, GOMAXPROCS %d\n", dir, runtime.GOMAXPROCS(0))

	a, err := startChain(dir)
	if err != nil {
		return err
	}
	pop, err := populate(a, o)
	if err != nil {
		return err
	}
	fmt.Printf("populated %d models, %d parent edges, %d datasets, %d dataset edges (%d edges) in %s (%.0f models/s), height %d, db %s\n",
		o.models, pop.edges, o.datasets, pop.datasetEdges, pop.edges+pop.datasetEdges, pop.took.Round(time.Millisecond), float64(o.models)/pop.took.Seconds(),
		a.LastBlockHeight(), dirSize(filepath.Join(dir, "data")))
	return measureRounds(a, o)
}

func measureRounds(a *app.App, o options) error {
	for r := 1; r <= max(1, o.rounds); r++ {
		if o.rounds > 1 {
			fmt.Printf("\nround %d of %d\n", r, o.rounds)
		}
		if err := measure(a, o); err != nil {
			return err
		}
	}
	return nil
}

// startChain makes a one-validator genesis and runs InitChain and block 1
// through ABCI on an app backed by goleveldb under dir/data.
func startChain(dir string) (*app.App, error) {
	home := filepath.Join(dir, "home")
	ports, err := devnet.FreePorts()
	if err != nil {
		return nil, err
	}
	net, err := devnet.Init(devnet.Config{
		ChainID: "lineagebench-1", Homes: []string{home}, Ports: []devnet.Ports{ports}, BlockTime: time.Second,
	})
	if err != nil {
		return nil, err
	}
	gen, err := genutiltypes.AppGenesisFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return nil, err
	}
	db, err := dbm.NewGoLevelDB("application", filepath.Join(dir, "data"), nil)
	if err != nil {
		return nil, err
	}
	a := app.New(log.NewNopLogger(), db, true, simtestutil.NewAppOptionsWithFlagHome(home), baseapp.SetChainID(net.ChainID))
	cp := gen.Consensus.Params.ToProto()
	if _, err := a.InitChain(&abci.RequestInitChain{
		Time: gen.GenesisTime, ChainId: net.ChainID, ConsensusParams: &cp,
		AppStateBytes: gen.AppState, InitialHeight: 1,
	}); err != nil {
		return nil, fmt.Errorf("InitChain: %w", err)
	}
	if _, err := a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: 1, Time: gen.GenesisTime.Add(time.Second)}); err != nil {
		return nil, fmt.Errorf("FinalizeBlock: %w", err)
	}
	if _, err := a.Commit(); err != nil {
		return nil, fmt.Errorf("Commit: %w", err)
	}
	return a, nil
}

func modelID(i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("lineagebench model %d", i)))
	return "sha256:" + hex.EncodeToString(h[:])
}

type population struct {
	edges, datasetEdges int
	took                time.Duration
}

func datasetID(i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("lineagebench dataset %d", i)))
	return "sha256:" + hex.EncodeToString(h[:])
}

// populate writes o.models models through the keeper's collections, as
// the message server's setModel does, committing every o.batch models.
func populate(a *app.App, o options) (population, error) {
	rng := rand.New(rand.NewPCG(o.seed, 0x6c696e65))
	owner := authtypes.NewModuleAddress("lineagebench").String()
	ids := make([]string, o.models)
	for i := range ids {
		ids[i] = modelID(i)
	}
	k := a.RegistryKeeper
	start := time.Now()
	var p population
	height := a.LastBlockHeight()
	if o.datasets > 0 {
		height++
		ctx := a.NewUncachedContext(false, cmtproto.Header{ChainID: "lineagebench-1", Height: height, Time: time.Unix(1_800_000_000+height, 0)})
		for i := range o.datasets {
			d := types.Dataset{
				Info:  types.DatasetInfo{Id: datasetID(i), Name: fmt.Sprintf("dataset-%d", i), Version: "1.0", License: "CC-BY-4.0"},
				Owner: owner, RegisteredHeight: height, RegisteredTime: 1_800_000_000 + height,
			}
			if err := k.Datasets.Set(ctx, d.Info.Id, d); err != nil {
				return p, err
			}
		}
		a.CommitMultiStore().Commit()
	}
	for lo := 0; lo < o.models; lo += o.batch {
		height++
		hi := min(lo+o.batch, o.models)
		ctx := a.NewUncachedContext(false, cmtproto.Header{ChainID: "lineagebench-1", Height: height, Time: time.Unix(1_800_000_000+height, 0)})
		for i := lo; i < hi; i++ {
			m := types.Model{
				Info: types.ModelInfo{
					Id: ids[i], Name: fmt.Sprintf("model-%d", i), Version: "1.0", Format: "safetensors",
					License: "Apache-2.0", ParameterCount: uint64(1_000_000 + i),
				},
				Owner: owner, RegisteredHeight: height, RegisteredTime: 1_800_000_000 + height,
			}
			if i >= o.roots {
				n := o.minParents + rng.IntN(o.maxParents-o.minParents+1)
				seen := map[int]bool{}
				for len(m.Info.Parents) < n && len(seen) < i {
					var j int
					if rng.Float64() < o.local {
						w := min(o.window, i)
						j = i - 1 - rng.IntN(w)
					} else {
						j = rng.IntN(i)
					}
					if seen[j] {
						continue
					}
					seen[j] = true
					m.Info.Parents = append(m.Info.Parents, types.ParentLink{ModelId: ids[j], Relation: types.ParentRelation_PARENT_RELATION_FINETUNE})
				}
			}
			for len(m.Info.Datasets) < o.datasetsPerModel {
				d := datasetID(rng.IntN(o.datasets))
				if !slices.ContainsFunc(m.Info.Datasets, func(l types.DatasetLink) bool { return l.DatasetId == d }) {
					m.Info.Datasets = append(m.Info.Datasets, types.DatasetLink{DatasetId: d, Relation: types.DatasetRelation_DATASET_RELATION_TRAINED_ON})
				}
			}
			if err := k.Models.Set(ctx, m.Info.Id, m); err != nil {
				return p, err
			}
			for _, l := range m.Info.Datasets {
				if err := k.DatasetUses.Set(ctx, collections.Join(l.DatasetId, m.Info.Id), uint64(l.Relation)); err != nil {
					return p, err
				}
			}
			p.datasetEdges += len(m.Info.Datasets)
			for _, par := range m.Info.Parents {
				if err := k.Children.Set(ctx, collections.Join(par.ModelId, m.Info.Id), uint64(par.Relation)); err != nil {
					return p, err
				}
			}
			p.edges += len(m.Info.Parents)
		}
		a.CommitMultiStore().Commit()
		el := time.Since(start)
		fmt.Printf("  %9d models, %10d edges, height %d, %s elapsed, %.0f models/s\n",
			hi, p.edges+p.datasetEdges, height, el.Round(time.Second), float64(hi)/el.Seconds())
	}
	p.took = time.Since(start)
	return p, nil
}

type result struct {
	name          string
	lat           []time.Duration
	entries, errs int
	firstErr      string
	took          time.Duration
}

func (r *result) pct(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(r.lat))+0.5) - 1
	i = max(0, min(i, len(r.lat)-1))
	return r.lat[i]
}

func measure(a *app.App, o options) error {
	rng := rand.New(rand.NewPCG(o.seed+1, 0x71756572))
	targets := make([]string, o.queries)
	for i := range targets {
		targets[i] = modelID(rng.IntN(o.models))
	}
	cdc := a.AppCodec()
	runKind := func(name, path string, mk func(id string) ([]byte, error), count func([]byte) (int, error)) (*result, error) {
		r := &result{name: name}
		// Warm up: 200 queries not counted.
		for _, id := range targets[:min(200, len(targets))] {
			data, _ := mk(id)
			if _, err := a.Query(context.Background(), &abci.RequestQuery{Path: path, Data: data}); err != nil {
				return nil, err
			}
		}
		runtime.GC()
		start := time.Now()
		for _, id := range targets {
			data, err := mk(id)
			if err != nil {
				return nil, err
			}
			t0 := time.Now()
			res, err := a.Query(context.Background(), &abci.RequestQuery{Path: path, Data: data})
			d := time.Since(t0)
			if err != nil {
				return nil, err
			}
			r.lat = append(r.lat, d)
			if res.Code != 0 {
				r.errs++
				if r.firstErr == "" {
					r.firstErr = res.Log
				}
				continue
			}
			n, err := count(res.Value)
			if err != nil {
				return nil, err
			}
			r.entries += n
		}
		r.took = time.Since(start)
		sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
		return r, nil
	}
	model, err := runKind("Model (baseline)", "/prova.registry.v1.Query/Model",
		func(id string) ([]byte, error) { return cdc.Marshal(&types.QueryModelRequest{Id: id}) },
		func(b []byte) (int, error) {
			var resp types.QueryModelResponse
			return 1, cdc.Unmarshal(b, &resp)
		})
	if err != nil {
		return err
	}
	anc, err := runKind(fmt.Sprintf("Ancestors depth %d", o.depth), "/prova.registry.v1.Query/Ancestors",
		func(id string) ([]byte, error) {
			return cdc.Marshal(&types.QueryLineageRequest{Id: id, MaxDepth: uint32(o.depth),
				Pagination: &query.PageRequest{Limit: keeper.MaxLineageEntries + 1}})
		},
		func(b []byte) (int, error) {
			var resp types.QueryLineageResponse
			err := cdc.Unmarshal(b, &resp)
			return len(resp.Entries), err
		})
	if err != nil {
		return err
	}
	fmt.Printf("\n%d queries each at height %d, through BaseApp.Query (ABCI query path)\n", o.queries, a.LastBlockHeight())
	fmt.Printf("%-20s %9s %9s %9s %9s %9s %12s %7s\n", "query", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "mean entries", "errors")
	for _, r := range []*result{model, anc} {
		ok := len(r.lat) - r.errs
		mean := 0.0
		if ok > 0 {
			mean = float64(r.entries) / float64(ok)
		}
		fmt.Printf("%-20s %9.3f %9.3f %9.3f %9.3f %9.3f %12.1f %7d\n", r.name,
			ms(r.pct(0.50)), ms(r.pct(0.90)), ms(r.pct(0.99)), ms(r.lat[len(r.lat)-1]),
			ms(r.took)/float64(len(r.lat)), mean, r.errs)
		if r.firstErr != "" {
			fmt.Printf("  first error: %s\n", r.firstErr)
		}
	}
	fmt.Printf("ratio Ancestors/Model: p50 %.1fx, p99 %.1fx\n",
		ms(anc.pct(0.50))/ms(model.pct(0.50)), ms(anc.pct(0.99))/ms(model.pct(0.99)))
	target := 5 * time.Millisecond
	verdict := "MET"
	if anc.pct(0.99) > target {
		verdict = "MISSED"
	}
	fmt.Printf("target p99 <= 5 ms for Ancestors at depth %d: %s (p99 %.3f ms)\n", o.depth, verdict, ms(anc.pct(0.99)))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func dirSize(dir string) string {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
