package web

import "github.com/gofiber/fiber/v2"

// trainerRoutes registers trainers: approvals and time off (for managers), and a trainer's own sessions and calendar feed.
func (a *app) trainerRoutes(f *fiber.App) {}
