using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EventShadow.Hosting.Access;

/// <summary>
/// Access control of a service's HTTP API: API keys with scopes from configuration and a rate limit per key.
/// Every endpoint needs the <c>read</c> scope unless it states another policy or allows anonymous calls.
/// </summary>
public static class ApiAccessSetup
{
    public static WebApplicationBuilder AddApiAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiAccessOptions>()
            .BindConfiguration(ApiAccessOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiAccessOptions>, ApiAccessOptionsValidator>();
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeyRejectionLog>();

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, configureOptions: null);

        var read = ScopePolicy(ApiScopes.Read);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiScopes.Read, read)
            .AddPolicy(ApiScopes.Submit, ScopePolicy(ApiScopes.Submit))
            .SetFallbackPolicy(read);

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<ApiAccessOptions>>().Value.RequestsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = RejectAsync;
        });

        return builder;
    }

    /// <summary>Adds authentication, the rate limiter and authorization to the pipeline, in that order.</summary>
    public static WebApplication UseApiAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// The rate limit partition: the key's name for an authenticated call, else the client address, so that
    /// guessing keys is limited as well.
    /// </summary>
    public static string PartitionKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? "key:" + name
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static AuthorizationPolicy ScopePolicy(string scope) =>
        new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim(ApiScopes.ClaimType, scope)
            .Build();

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);

        var perMinute = context.RequestServices.GetRequiredService<IOptions<ApiAccessOptions>>().Value.RequestsPerMinute;
        await TypedResults.Problem(
                $"More than {perMinute} requests in one minute from this API key or address; retry in {seconds} s. Api:RequestsPerMinute sets the limit.",
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests")
            .ExecuteAsync(context);
    }
}
