package web

import "github.com/pscp/booktraining/internal/services"

// RouteLine is one line of the app's route table, for tests.
type RouteLine struct{ Method, Path, Who string }

// RouteTable lists every page route: its method, path and who may use it.
func RouteTable() []RouteLine {
	a := &app{deps: Deps{Services: &services.Services{}}}
	var out []RouteLine
	for _, r := range a.pageRoutes() {
		out = append(out, RouteLine{r.method, r.path, string(r.who)})
	}
	return out
}
