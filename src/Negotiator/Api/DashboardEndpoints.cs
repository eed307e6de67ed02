using System.Reflection;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The dashboard at <c>/ui</c>: a page, a script and a style sheet embedded in this assembly. They hold no
/// data, so they load without a key; the script requests a key with the <c>read</c> scope and calls the API with it.
/// </summary>
public static class DashboardEndpoints
{
    // Only this server's own files and API: nothing may load from elsewhere, and no inline script runs.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/ui"] = ("Dashboard/index.html", "text/html; charset=utf-8"),
        ["/ui/dashboard.js"] = ("Dashboard/dashboard.js", "text/javascript; charset=utf-8"),
        ["/ui/dashboard.css"] = ("Dashboard/dashboard.css", "text/css; charset=utf-8"),
    };

    private static readonly string[] PageMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        // HEAD too, so that link checkers and uptime probes get the page's status without a key.
        endpoints.MapMethods("/", PageMethods, () => TypedResults.Redirect("/ui")).AllowAnonymous().ExcludeFromDescription();

        foreach (var (path, (resource, contentType)) in Files)
        {
            var content = ReadResource(resource);
            endpoints.MapMethods(path, PageMethods, (HttpContext context) =>
                {
                    context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    context.Response.Headers.XContentTypeOptions = "nosniff";
                    return TypedResults.Bytes(content, contentType);
                })
                .AllowAnonymous()
                .ExcludeFromDescription();
        }

        return endpoints;
    }

    private static byte[] ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The dashboard file {name} is missing from the Negotiator assembly; check the EmbeddedResource item in Negotiator.csproj.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
