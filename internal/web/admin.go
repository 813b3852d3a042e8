package web

import "github.com/gofiber/fiber/v2"

// adminRoutes registers the training manager's pages (/admin) and the agency
// coordinator's (/agency).
func (a *app) adminRoutes(f *fiber.App) {}
