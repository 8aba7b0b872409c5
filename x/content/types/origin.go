package types

import (
	"fmt"
	"slices"
	"strings"
)

// Class groups the IPTC digital source types by what Prova requires of a
// registration: a model for AI-generated content, an attestation for the rest.
type Class int

// Classes of origin.
const (
	// ClassAIGenerated is trainedAlgorithmicMedia: made by a trained model.
	ClassAIGenerated Class = iota + 1
	// ClassAIAssisted is compositeWithTrainedAlgorithmicMedia: a composite
	// that includes output of a trained model.
	ClassAIAssisted
	// ClassHumanMade is captured, digitised, human-edited or human-created
	// media with no trained model involved.
	ClassHumanMade
	// ClassAlgorithmic is synthetic media made without a trained model
	// (algorithmicMedia, dataDrivenMedia, compositeSynthetic).
	ClassAlgorithmic
)

// String returns the class's short name as the CLI prints it.
func (c Class) String() string {
	switch c {
	case ClassAIGenerated:
		return "ai-generated"
	case ClassAIAssisted:
		return "ai-assisted"
	case ClassHumanMade:
		return "human-made"
	case ClassAlgorithmic:
		return "algorithmic (no trained model)"
	}
	return "unknown"
}

// The IPTC digital source type terms (https://cv.iptc.org/newscodes/digitalsourcetype/),
// the vocabulary C2PA uses for its digitalSourceType field. Only the term is
// stored; the vocabulary URI is this prefix plus the term.
const (
	IPTCPrefix = "http://cv.iptc.org/newscodes/digitalsourcetype/"

	TrainedAlgorithmicMedia              = "trainedAlgorithmicMedia"
	CompositeWithTrainedAlgorithmicMedia = "compositeWithTrainedAlgorithmicMedia"
	DigitalArt                           = "digitalArt"
)

// digitalSourceTypes maps every accepted term to its class. The list is
// fixed: adding a term is a state-machine change.
var digitalSourceTypes = map[string]Class{
	TrainedAlgorithmicMedia:              ClassAIGenerated,
	CompositeWithTrainedAlgorithmicMedia: ClassAIAssisted,
	"digitalCapture":                     ClassHumanMade,
	"computationalCapture":               ClassHumanMade,
	"negativeFilm":                       ClassHumanMade,
	"positiveFilm":                       ClassHumanMade,
	"print":                              ClassHumanMade,
	"humanEdits":                         ClassHumanMade,
	"minorHumanEdits":                    ClassHumanMade, // retired by IPTC, still valid in legacy content
	"compositeCapture":                   ClassHumanMade,
	"algorithmicallyEnhanced":            ClassHumanMade,
	DigitalArt:                           ClassHumanMade,
	"screenCapture":                      ClassHumanMade,
	"virtualRecording":                   ClassHumanMade,
	"algorithmicMedia":                   ClassAlgorithmic,
	"dataDrivenMedia":                    ClassAlgorithmic,
	"compositeSynthetic":                 ClassAlgorithmic,
}

// OriginClass returns the class of an IPTC digital source type term, or
// false if the term is not in the accepted list.
func OriginClass(term string) (Class, bool) {
	c, ok := digitalSourceTypes[term]
	return c, ok
}

// DigitalSourceTypes returns the accepted terms, sorted.
func DigitalSourceTypes() []string {
	out := make([]string, 0, len(digitalSourceTypes))
	for t := range digitalSourceTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// ParseOrigin turns what a person types into an IPTC term: the short forms
// ai-generated, ai-assisted and human-made (which means digitalArt, media
// a person made with non-generative tools; name digitalCapture and the like
// for more precision), an IPTC term, or a term's full vocabulary URI.
func ParseOrigin(s string) (string, error) {
	switch strings.ToLower(s) {
	case "ai-generated", "ai":
		return TrainedAlgorithmicMedia, nil
	case "ai-assisted":
		return CompositeWithTrainedAlgorithmicMedia, nil
	case "human-made", "human":
		return DigitalArt, nil
	}
	term := strings.TrimPrefix(strings.TrimPrefix(s, IPTCPrefix), "https://cv.iptc.org/newscodes/digitalsourcetype/")
	if _, ok := digitalSourceTypes[term]; !ok {
		return "", fmt.Errorf("%w: %q; use ai-generated, ai-assisted, human-made or an IPTC term (%s)",
			ErrInvalidOrigin, s, strings.Join(DigitalSourceTypes(), ", "))
	}
	return term, nil
}
