package proven

import (
	"encoding/hex"
	"strings"

	"github.com/prova-network/prova/internal/bom"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// BOMLineage turns a proven lineage into the input of bom.Export.
func BOMLineage(pv *Provenance) (bom.Lineage, error) {
	appHash, err := hex.DecodeString(pv.AppHash)
	if err != nil {
		return bom.Lineage{}, err
	}
	l := bom.Lineage{ChainID: pv.ChainID, Height: pv.Height, AppHash: appHash, Subject: bomModel(pv.Subject.Model)}
	if pv.Subject.Proof != nil {
		l.Time = pv.Subject.Proof.HeaderTime
	}
	for _, a := range pv.Ancestors {
		l.Ancestors = append(l.Ancestors, bomModel(a.Model))
	}
	for _, d := range pv.Datasets {
		l.Datasets = append(l.Datasets, bomDataset(d.Dataset))
	}
	return l, nil
}

func bomModel(m *regtypes.Model) bom.Model {
	out := bom.Model{
		ID: m.Info.Id, Name: m.Info.Name, Version: m.Info.Version, Format: m.Info.Format,
		License: m.Info.License, Owner: m.Owner,
		Architecture: bom.ArchitectureFromSummary(m.Info.ArchSummary), ArchSummary: m.Info.ArchSummary,
		ArchFingerprint: m.Info.ArchFingerprint, ParameterCount: m.Info.ParameterCount,
		CardURI: m.Info.CardUri, CardDigest: m.Info.CardDigest, Contributors: bomContributors(m.Info.Contributors),
	}
	if m.Status != regtypes.ModelStatus_MODEL_STATUS_UNSPECIFIED {
		out.Status = m.Status.Short()
		if m.Status == regtypes.ModelStatus_MODEL_STATUS_FLAGGED {
			out.Flag = m.StatusReason
		}
	}
	for _, p := range m.Info.Parents {
		out.Parents = append(out.Parents, bom.Parent{Model: p.ModelId, Relation: bom.ParentRelation(p.Relation.Short())})
	}
	for _, d := range m.Info.Datasets {
		out.Datasets = append(out.Datasets, bom.DatasetLink{Dataset: d.DatasetId, Relation: bom.DatasetRelation(d.Relation.Short())})
	}
	return out
}

func bomDataset(d *regtypes.Dataset) bom.Dataset {
	return bom.Dataset{
		ID: d.Info.Id, Name: d.Info.Name, Version: d.Info.Version, License: d.Info.License, Owner: d.Owner,
		UsageTerms:   bom.UsageTerms{Use: UseName(d.Info.Usage.Use), Attribution: d.Info.Usage.Attribution, ShareAlike: d.Info.Usage.ShareAlike},
		Contributors: bomContributors(d.Info.Contributors), RecordRoot: d.Info.RecordRoot, RecordCount: d.Info.RecordCount,
		MetadataURI: d.Info.MetadataUri, MetadataDigest: d.Info.MetadataDigest,
	}
}

func bomContributors(cs []regtypes.Contributor) []bom.Contributor {
	out := make([]bom.Contributor, 0, len(cs))
	for _, c := range cs {
		out = append(out, bom.Contributor{Address: c.Address, ShareBps: c.ShareBps})
	}
	return out
}

// UseName is a usage term as printed and exported (e.g. "commercial").
func UseName(u regtypes.Use) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(u.String(), "USE_")), "_", "-")
}
