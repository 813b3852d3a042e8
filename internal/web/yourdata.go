package web

import "github.com/gofiber/fiber/v2"

// yourDataRoutes registers a person's own data: profile, agency change,
// download and deletion.
func (a *app) yourDataRoutes(f *fiber.App) {}
