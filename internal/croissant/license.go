package croissant

import (
	"net/url"
	"strings"
)

// LicenseFromURL maps the license URLs Croissant documents use to SPDX
// identifiers: Creative Commons deeds (creativecommons.org/licenses/by/4.0/
// is CC-BY-4.0, publicdomain/zero/1.0/ is CC0-1.0) and spdx.org license
// pages. ok is false for anything else, which the caller must map itself.
func LicenseFromURL(s string) (spdx string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case host == "creativecommons.org" && len(parts) >= 3 && parts[0] == "licenses" && ccVersion(parts[2]):
		kind := strings.ToUpper(parts[1])
		switch kind {
		case "BY", "BY-SA", "BY-NC", "BY-ND", "BY-NC-SA", "BY-NC-ND":
			return "CC-" + kind + "-" + parts[2], true
		}
	case host == "creativecommons.org" && len(parts) >= 3 && parts[0] == "publicdomain" && parts[1] == "zero" && parts[2] == "1.0":
		return "CC0-1.0", true
	case host == "spdx.org" && len(parts) == 2 && parts[0] == "licenses":
		id := strings.TrimSuffix(strings.TrimSuffix(parts[1], ".html"), ".json")
		if id != "" {
			return id, true
		}
	}
	return "", false
}

func ccVersion(v string) bool {
	switch v {
	case "1.0", "2.0", "2.5", "3.0", "4.0":
		return true
	}
	return false
}
