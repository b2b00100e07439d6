package http

import "github.com/claimdesk/claimdesk"

// ExecutedPages returns the names of the page templates s has rendered.
func ExecutedPages(s *Server) map[string]bool {
	out := map[string]bool{}
	s.pages.executed.Range(func(k, _ any) bool { out[k.(string)] = true; return true })
	return out
}

// PageNames returns the names of all page templates.
func PageNames(s *Server) []string { return s.pages.Names() }

// RoutePerms returns the console's routes and the permissions each needs.
func RoutePerms(s *Server) map[string][]claimdesk.Permission { return s.routePerms }
