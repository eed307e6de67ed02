using EventShadow.Hosting.Access;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// Describes the API key in the OpenAPI document: a bearer token or an <c>X-Api-Key</c> header, either accepted.
/// </summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer
{
    private const string BearerScheme = "bearer";
    private const string HeaderScheme = "apiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key from Api:Keys as a bearer token. Reads need the 'read' scope; POST requests need 'submit'.",
        };
        document.Components.SecuritySchemes[HeaderScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "The same API key in a header of its own.",
        };

        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(HeaderScheme, document)] = [] },
        ];
        return Task.CompletedTask;
    }
}
