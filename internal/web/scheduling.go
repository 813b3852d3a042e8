package web

import "github.com/gofiber/fiber/v2"

// schedulingRoutes registers the programme: scheduling sessions and series, their life cycle, and the programme view.
func (a *app) schedulingRoutes(f *fiber.App) {}
