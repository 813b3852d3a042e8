package web

import "github.com/gofiber/fiber/v2"

func (a *app) sessionListRoutes(f *fiber.App) {}
