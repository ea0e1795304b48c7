// La documentation de l'API : Swagger UI (servi par l'API elle-même, depuis node_modules, sans CDN), lu du
// document OpenAPI de l'API.
window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                              defaultModelsExpandDepth: 0, tryItOutEnabled: false });
