package web

import "github.com/gofiber/fiber/v2"

func (a *app) registerRoutes(f *fiber.App) {}
