using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EventShadow.Hosting.Access;

/// <summary>
/// Authenticates a request by its API key, sent as <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>,
/// and responds to a missing or wrong key (401) and a missing scope (403) with <c>application/problem+json</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeyRing keys,
    ApiKeyRejectionLog rejectionLog)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (SendsTwoKeys(Request))
        {
            return Task.FromResult(AuthenticateResult.Fail(
                $"The request sends different API keys in '{HeaderName}' or 'Authorization: Bearer' headers. Send one key in one header."));
        }

        var client = keys.Find(presented);
        if (client is null)
        {
            // The key itself is never logged: a typo of a real key would leak most of it.
            if (rejectionLog.Throttle.TryEnter(out var skipped))
            {
                Logger.LogWarning(
                    "Rejected an unknown API key for {Method} {Path} from {RemoteAddress}; {SkippedCount} earlier rejections were not logged",
                    Request.Method, Request.Path.Value, Context.Connection.RemoteIpAddress, skipped);
            }

            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, client.Name) };
        claims.AddRange(client.Scopes.Select(scope => new Claim(ApiScopes.ClaimType, scope)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure is null
            ? $"This endpoint needs an API key: send it as 'Authorization: Bearer KEY' or '{HeaderName}: KEY'."
            : $"{result.Failure.Message} Check the key you configured, or ask the operator for one.";

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer");
        await WriteProblemAsync("Authentication required", detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var needed = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(data => data.Policy)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList() ?? [];
        var name = Context.User.Identity?.Name ?? "(unnamed)";
        var granted = Context.User.FindAll(ApiScopes.ClaimType).Select(claim => claim.Value).ToList();
        var detail = needed.Count == 0
            ? $"The API key '{name}' is not allowed to call this endpoint."
            : $"This endpoint needs the scope '{string.Join("', '", needed)}'; the API key '{name}' has '{string.Join("', '", granted)}'.";

        Logger.LogWarning("API key {KeyName} lacks scope {Scopes} for {Method} {Path}", name, needed, Request.Method, Request.Path.Value);
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync("Scope missing", detail);
    }

    /// <summary>Returns the key from <c>X-Api-Key</c> or a bearer token, or <c>null</c> when the request has neither.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers[HeaderName].FirstOrDefault() is { Length: > 0 } headerKey)
        {
            return headerKey.Trim();
        }

        var authorization = request.Headers.Authorization.FirstOrDefault();
        if (authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[BearerPrefix.Length..].Trim();
            return token.Length > 0 ? token : null;
        }

        return null;
    }

    /// <summary>
    /// Returns whether the request carries more than one distinct key, in one header repeated or in both.
    /// Taking any one would hide a client's mistake, such as a stale key in one header.
    /// </summary>
    private static bool SendsTwoKeys(HttpRequest request)
    {
        var keys = request.Headers[HeaderName]
            .Select(value => value?.Trim())
            .Concat(request.Headers.Authorization
                .Where(value => value is not null && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
                .Select(value => value![BearerPrefix.Length..].Trim()))
            .Where(key => !string.IsNullOrEmpty(key))
            .Distinct(StringComparer.Ordinal);
        return keys.Skip(1).Any();
    }

    // Written whatever the Accept header contains, so that a client requesting text/event-stream gets the reason too.
    private Task WriteProblemAsync(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: Response.StatusCode, title: title).ExecuteAsync(Context);
}

/// <summary>The throttle of the unknown-key warnings: at most 20 lines a minute per service.</summary>
public sealed class ApiKeyRejectionLog(TimeProvider clock)
{
    public LogThrottle Throttle { get; } = new(perMinute: 20, clock);
}
