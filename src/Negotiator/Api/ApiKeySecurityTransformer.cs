using EventShadow.Hosting.Access;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// Describes the API key in the OpenAPI document: a bearer token or an <c>X-Api-Key</c> header, either accepted,
/// and the 401, 403 and 429 responses of every operation that needs one.
/// </summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
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

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        var scopes = metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Select(data => data.Policy)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "The API key is missing or not valid." });
        operation.Responses.TryAdd("403", new OpenApiResponse
        {
            Description = scopes.Count == 0 ? "The API key lacks the scope this operation needs." : $"The API key lacks the scope '{string.Join("', '", scopes)}'.",
        });
        operation.Responses.TryAdd("429", new OpenApiResponse { Description = "The key made more than Api:RequestsPerMinute requests this minute; see Retry-After." });
        return Task.CompletedTask;
    }
}
