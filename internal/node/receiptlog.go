// Package node runs the services Prova adds next to a node started with
// 'provad start': the receipt log (internal/receiptlog) and its anchoring
// loop, which sends MsgAnchorCheckpoint through internal/txclient. It is
// what the node imports besides the app; it does not import the dev-network
// tools (internal/devnet), which TestNodeExcludesDevnet checks.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	"github.com/cosmos/cosmos-sdk/server"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/internal/nodeconfig"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/internal/txclient"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// StartServices is the start command's PostSetup: it runs the services
// Prova adds next to the node, under the node's context, so Ctrl-C stops
// them with it.
func StartServices(svrCtx *server.Context, clientCtx client.Context, ctx context.Context, g *errgroup.Group) error {
	cfg, err := nodeconfig.ReceiptLogFrom(svrCtx.Viper)
	if err != nil {
		return err
	}
	if !cfg.Enable {
		return nil
	}
	return startReceiptLog(svrCtx, clientCtx, ctx, g, cfg)
}

// DefaultLogOrigin names a node's log after its chain and moniker.
func DefaultLogOrigin(chainID, moniker string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '+' || r <= ' ' || r == 0x7f {
			return '-'
		}
		return r
	}, moniker)
	return chainID + "/receipts/" + clean
}

// LogConfig is the receipt log's configuration for the node in home, from
// app.toml's [receipt-log] section: relative directories are under home,
// and an empty origin is DefaultLogOrigin.
func LogConfig(home, chainID, moniker string, cfg nodeconfig.ReceiptLog) receiptlog.Config {
	origin := cfg.Origin
	if origin == "" {
		origin = DefaultLogOrigin(chainID, moniker)
	}
	dir := cfg.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(home, dir)
	}
	rc := receiptlog.DefaultConfig(dir)
	rc.Listen, rc.Origin, rc.AnchorInterval = cfg.Listen, origin, cfg.AnchorInterval
	cfg.ApplyTo(&rc)
	return rc
}

func startReceiptLog(svrCtx *server.Context, clientCtx client.Context, ctx context.Context, g *errgroup.Group, cfg nodeconfig.ReceiptLog) error {
	home := svrCtx.Config.RootDir
	gen, err := genutiltypes.AppGenesisFromFile(svrCtx.Config.GenesisFile())
	if err != nil {
		return fmt.Errorf("receipt log: read genesis: %w", err)
	}
	chainID := gen.ChainID
	rc := LogConfig(home, chainID, svrCtx.Config.Moniker, cfg)
	origin := rc.Origin
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("module", "receipt-log", "log", origin)

	svc, err := receiptlog.New(ctx, rc, receiptlog.Deps{Logger: logger, ModelStatus: modelStatusVia(clientCtx)})
	if err != nil {
		return fmt.Errorf("receipt log: %w", err)
	}
	ln, err := receiptlog.Listen(rc.Listen, rc.MaxConns)
	if err != nil {
		svc.Close()
		return fmt.Errorf("receipt log: listen on %s: %w (set [receipt-log] listen in app.toml, or enable = false)", rc.Listen, err)
	}
	srv := receiptlog.NewHTTPServer(svc.Handler(), rc, logger)
	logger.Info("receipt log serving", "addr", "http://"+ln.Addr().String(), "verifier_key", svc.VerifierKey())
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("receipt log: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		return errors.Join(err, svc.Close())
	})
	if cfg.OperatorKey == "" {
		logger.Warn("receipt log is not anchored on chain: set [receipt-log] operator-key in app.toml")
		return nil
	}
	a, err := newAnchorer(clientCtx, svrCtx, chainID, home, cfg, svc, logger)
	if err != nil {
		return err
	}
	g.Go(func() error {
		// Anchoring failures are logged and retried; they never stop the node.
		if err := svc.RunAnchorer(ctx, receiptlog.AnchorDeps{LastAnchored: a.lastAnchored, Submit: a.submit, Interval: cfg.AnchorInterval}); err != nil && ctx.Err() == nil {
			logger.Error("anchoring stopped", "err", err)
		}
		return nil
	})
	return nil
}

// modelStatusVia asks the node's own registry (over its gRPC server) what
// it knows about a model.
func modelStatusVia(clientCtx client.Context) receiptlog.ModelStatusFunc {
	q := registrytypes.NewQueryClient(clientCtx)
	return func(ctx context.Context, id string) (receiptlog.ModelStatus, error) {
		res, err := q.Model(ctx, &registrytypes.QueryModelRequest{Id: id})
		if status.Code(err) == codes.NotFound {
			return receiptlog.ModelStatus{State: receiptlog.ModelUnknown}, nil
		}
		if err != nil {
			return receiptlog.ModelStatus{}, err
		}
		switch res.Model.Status {
		case registrytypes.ModelStatus_MODEL_STATUS_FLAGGED:
			return receiptlog.ModelStatus{State: receiptlog.ModelFlagged, Reason: res.Model.StatusReason}, nil
		case registrytypes.ModelStatus_MODEL_STATUS_DEPRECATED:
			return receiptlog.ModelStatus{State: receiptlog.ModelDeprecated, Reason: res.Model.StatusReason}, nil
		}
		return receiptlog.ModelStatus{State: receiptlog.ModelRegistered}, nil
	}
}

// anchorer connects the log's anchoring loop to the chain: it reads the
// latest anchored checkpoint and sends MsgAnchorCheckpoint (registering the
// log first when [receipt-log] register-bond says so).
type anchorer struct {
	q        receiptstypes.QueryClient
	chain    *txclient.Client
	key      string
	operator sdk.AccAddress
	bond     string
	svc      *receiptlog.Service
	logger   *slog.Logger
}

func newAnchorer(clientCtx client.Context, svrCtx *server.Context, chainID, home string, cfg nodeconfig.ReceiptLog, svc *receiptlog.Service, logger *slog.Logger) (*anchorer, error) {
	kr, err := keyring.New(sdk.KeyringServiceName(), cfg.KeyringBackend, home, os.Stdin, clientCtx.Codec)
	if err != nil {
		return nil, fmt.Errorf("receipt log: open the %s keyring in %s: %w", cfg.KeyringBackend, home, err)
	}
	rec, err := kr.Key(cfg.OperatorKey)
	if err != nil {
		return nil, fmt.Errorf("receipt log: operator key %q not in the %s keyring of %s: %w (create it with 'provad keys add %s --keyring-backend %s')",
			cfg.OperatorKey, cfg.KeyringBackend, home, err, cfg.OperatorKey, cfg.KeyringBackend)
	}
	addr, err := rec.GetAddress()
	if err != nil {
		return nil, err
	}
	rpcURL := strings.Replace(svrCtx.Config.RPC.ListenAddress, "tcp://", "http://", 1)
	rpc, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("receipt log: node rpc %s: %w", rpcURL, err)
	}
	chain, err := txclient.New(clientCtx.WithKeyring(kr).WithChainID(chainID).WithClient(rpc).WithNodeURI(rpcURL))
	if err != nil {
		return nil, err
	}
	return &anchorer{q: receiptstypes.NewQueryClient(clientCtx), chain: chain, key: cfg.OperatorKey,
		operator: addr, bond: cfg.RegisterBond, svc: svc, logger: logger}, nil
}

func (a *anchorer) lastAnchored(ctx context.Context) (tlog.Checkpoint, bool, error) {
	logID := a.svc.Origin()
	if _, err := a.q.Log(ctx, &receiptstypes.QueryLogRequest{LogId: logID}); status.Code(err) == codes.NotFound {
		if err := a.register(ctx); err != nil {
			return tlog.Checkpoint{}, false, err
		}
	} else if err != nil {
		return tlog.Checkpoint{}, false, err
	}
	res, err := a.q.LatestCheckpoint(ctx, &receiptstypes.QueryLatestCheckpointRequest{LogId: logID})
	if status.Code(err) == codes.NotFound {
		return tlog.Checkpoint{}, false, nil
	}
	if err != nil {
		return tlog.Checkpoint{}, false, err
	}
	return tlog.Checkpoint{Origin: logID, Size: res.Checkpoint.TreeSize, Hash: res.Checkpoint.Root}, true, nil
}

func (a *anchorer) register(ctx context.Context) error {
	if a.bond == "" {
		return fmt.Errorf("log %q is not registered on chain: run 'provad tx receipts register-log --verifier-key %s --bond <amount> --from %s'",
			a.svc.Origin(), a.svc.VerifierKey(), a.key)
	}
	bond, err := sdk.ParseCoinNormalized(a.bond)
	if err != nil {
		return fmt.Errorf("app.toml [receipt-log] register-bond %q: %w", a.bond, err)
	}
	msg := &receiptstypes.MsgRegisterLog{Operator: a.operator.String(), Origin: a.svc.Origin(), VerifierKey: a.svc.VerifierKey(), Bond: bond}
	res, err := a.chain.Send(ctx, a.key, msg)
	if err != nil {
		return fmt.Errorf("register log: %w", err)
	}
	a.logger.Info("log registered on chain", "height", res.Height, "bond", bond.String())
	return nil
}

func (a *anchorer) submit(ctx context.Context, signed []byte, proof [][]byte) error {
	msg := &receiptstypes.MsgAnchorCheckpoint{Operator: a.operator.String(), LogId: a.svc.Origin(), Checkpoint: signed, ConsistencyProof: proof}
	res, err := a.chain.Send(ctx, a.key, msg)
	if err != nil {
		return err
	}
	a.logger.Debug("checkpoint anchored", "height", res.Height)
	return nil
}
