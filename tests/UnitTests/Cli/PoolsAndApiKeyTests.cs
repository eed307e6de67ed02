using System.Net;
using System.Text;
using System.Text.Json;
using EventShadow.Cli;

namespace EventShadow.UnitTests.Cli;

/// <summary><c>pools</c>, and how every command finds and sends its API key.</summary>
public sealed class PoolsAndApiKeyTests
{
    private const string Capacity =
        """[{"pool":"local","capacity":{"cpuMillicores":4000,"memoryMiB":8192,"gpus":0},"committed":{"cpuMillicores":500,"memoryMiB":1024,"gpus":0},"leased":{"cpuMillicores":250,"memoryMiB":256,"gpus":0},"free":{"cpuMillicores":3250,"memoryMiB":6912,"gpus":0},"negotiations":3}]""";

    private const string Pools =
        """{"pool":"local","instance":"pm-1","profiles":[{"profile":"Cache","hasWarmPool":true,"forecast":2,"target":2,"warm":1,"claimed":1,"claims":4,"coldStarts":1,"coldStartRate":0.25,"windowMinutes":60,"sizedAt":"2026-12-01T10:00:00Z"}]}""";

    [Fact]
    public async Task Pools_prints_capacity_and_warm_pools()
    {
        var server = new PoolServers();
        var run = new Run(server);

        var code = await run.ExecuteAsync("pools", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("3250m / 6912 MiB", run.Output, StringComparison.Ordinal);
        Assert.Contains("Cache", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 (25%)", run.Output, StringComparison.Ordinal);
        Assert.Contains("PoolManager pm-1", run.Output, StringComparison.Ordinal);
        Assert.Equal(["127.0.0.1:5080/capacity", "127.0.0.1:5081/pools"], server.Requests.Select(request => request.Address));
    }

    [Fact]
    public async Task Pools_json_keeps_both_bodies()
    {
        var run = new Run(new PoolServers());

        var code = await run.ExecuteAsync("pools", "--json", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.Success, code);
        using var json = JsonDocument.Parse(run.Json);
        Assert.Equal(3, json.RootElement.GetProperty("capacity")[0].GetProperty("negotiations").GetInt32());
        Assert.Equal("pm-1", json.RootElement.GetProperty("pools").GetProperty("instance").GetString());
    }

    [Theory]
    [InlineData(null, null, null, null, "http://127.0.0.1:5081/", "the default")]
    [InlineData(null, "http://127.0.0.1:5380", null, null, "http://127.0.0.1:5381/", "EVENTSHADOW_SERVER (the Negotiator's URL) with the port + 1")]
    [InlineData(null, "http://127.0.0.1:5380", "http://127.0.0.1:5480", null, "http://127.0.0.1:5481/", "--server (the Negotiator's URL) with the port + 1")]
    [InlineData(null, null, "https://shadow.internal:8443/api", null, "https://shadow.internal:8444/", "--server (the Negotiator's URL) with the port + 1")]
    [InlineData(null, null, "http://shadow.internal", null, "http://shadow.internal:81/", "--server (the Negotiator's URL) with the port + 1")]
    [InlineData("http://127.0.0.1:6000", "http://127.0.0.1:5380", null, null, "http://127.0.0.1:6000/", "EVENTSHADOW_POOLS_SERVER")]
    [InlineData("http://127.0.0.1:6000", "http://127.0.0.1:5380", "http://127.0.0.1:5480", "http://127.0.0.1:7000", "http://127.0.0.1:7000/", "--pools-server")]
    public void Pools_server_resolves_in_order(string? poolsVariable, string? serverVariable, string? serverOption, string? poolsOption, string expected, string origin)
    {
        var host = Host(new()
        {
            [CliHost.PoolsServerVariable] = poolsVariable ?? "",
            [CliHost.ServerVariable] = serverVariable ?? "",
        });

        var address = host.ResolvePoolsServer(poolsOption, serverOption);

        Assert.Equal(expected, address.Uri.ToString());
        Assert.Equal(origin, address.Origin);
    }

    [Fact]
    public void Pools_server_after_last_port_is_usage_error()
    {
        var host = Host(new() { [CliHost.ServerVariable] = "http://127.0.0.1:65535" });

        var error = Assert.Throws<UsageException>(() => host.ResolvePoolsServer(null, null));

        Assert.Contains("from EVENTSHADOW_SERVER has port 65535", error.Message, StringComparison.Ordinal);
        Assert.Contains("--pools-server or EVENTSHADOW_POOLS_SERVER", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pools_follows_server_variable()
    {
        var server = new PoolServers();
        var run = new Run(server, environment: new() { [CliHost.ServerVariable] = "http://127.0.0.1:5380" });

        var code = await run.ExecuteAsync("pools", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["127.0.0.1:5380/capacity", "127.0.0.1:5381/pools"], server.Requests.Select(request => request.Address));
    }

    [Fact]
    public async Task Unreachable_pool_manager_still_prints_capacity()
    {
        var server = new PoolServers { UnreachablePort = 5381 };
        var run = new Run(server, environment: new() { [CliHost.ServerVariable] = "http://127.0.0.1:5380" });

        var code = await run.ExecuteAsync("pools", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.ServerUnreachable, code);
        Assert.Contains("3250m / 6912 MiB", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Cache", run.Output, StringComparison.Ordinal);
        // The console wraps long lines, so compare with every run of whitespace as one space.
        var error = Unwrap(run.Error);
        Assert.Contains("The PoolManager at http://127.0.0.1:5381/ is unreachable: Connection refused (127.0.0.1:5381).", error, StringComparison.Ordinal);
        Assert.Contains("comes from EVENTSHADOW_SERVER (the Negotiator's URL) with the port + 1", error, StringComparison.Ordinal);
        Assert.Contains("set --pools-server or EVENTSHADOW_POOLS_SERVER", error, StringComparison.Ordinal);
        Assert.DoesNotContain("EventShadow server", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_pool_manager_json_has_null_pools()
    {
        var run = new Run(new PoolServers { UnreachablePort = 5081 });

        var code = await run.ExecuteAsync("pools", "--json", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.ServerUnreachable, code);
        using var json = JsonDocument.Parse(run.Json);
        Assert.Equal(3, json.RootElement.GetProperty("capacity")[0].GetProperty("negotiations").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("pools").ValueKind);
        Assert.Contains("PoolManager at http://127.0.0.1:5081/", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_negotiator_prints_nothing()
    {
        var run = new Run(new PoolServers { UnreachablePort = 5080 });

        var code = await run.ExecuteAsync("pools", "--api-key", "operator-key-0123456789");

        Assert.Equal(ExitCodes.ServerUnreachable, code);
        Assert.Equal("", run.Output);
        Assert.Contains("The EventShadow server at http://127.0.0.1:5080/ is unreachable", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pools_help_explains_derived_address()
    {
        var run = new Run(new PoolServers());

        await run.ExecuteAsync("pools", "--help");

        // The console wraps long lines, so compare with every run of whitespace as one space.
        var help = Unwrap(run.Output);
        Assert.Contains("EVENTSHADOW_POOLS_SERVER", help, StringComparison.Ordinal);
        Assert.Contains("port + 1", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Option_key_wins_over_variable()
    {
        var server = new PoolServers();
        var run = new Run(server, environment: new() { [CliHost.ApiKeyVariable] = "from-variable-0123456789" });

        await run.ExecuteAsync("pools", "--api-key", "from-option-0123456789");

        Assert.All(server.Requests, request => Assert.Equal("Bearer from-option-0123456789", request.Authorization));
    }

    [Fact]
    public async Task Variable_key_wins_over_env_file()
    {
        var server = new PoolServers();
        var run = new Run(server, environment: new() { [CliHost.ApiKeyVariable] = "from-variable-0123456789" }, envFile: ["EVENTSHADOW_API_KEY='from-file-0123456789'"]);

        await run.ExecuteAsync("pools");

        Assert.All(server.Requests, request => Assert.Equal("Bearer from-variable-0123456789", request.Authorization));
    }

    [Fact]
    public async Task Env_file_key_is_read_from_state_dir()
    {
        var server = new PoolServers();
        var run = new Run(
            server,
            environment: new() { [CliHost.StateDirectoryVariable] = "/srv/eventshadow" },
            envFile: ["POSTGRES_PASSWORD='x'", "EVENTSHADOW_API_KEY='from-file-0123456789'"]);

        await run.ExecuteAsync("pools");

        Assert.Equal("/srv/eventshadow/env", run.EnvFileRead);
        Assert.All(server.Requests, request => Assert.Equal("Bearer from-file-0123456789", request.Authorization));
    }

    [Fact]
    public async Task Rejected_key_exits_with_access_denied()
    {
        var run = new Run(new PoolServers { Status = HttpStatusCode.Unauthorized });

        var code = await run.ExecuteAsync("list", "--api-key", "wrong-key-0123456789");

        Assert.Equal(ExitCodes.AccessDenied, code);
        Assert.Contains("rejected the request (401): The API key is not valid.", run.Error, StringComparison.Ordinal);
        Assert.Contains("EVENTSHADOW_API_KEY", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_scope_exits_with_access_denied()
    {
        var run = new Run(new PoolServers { Status = HttpStatusCode.Forbidden });

        var code = await run.ExecuteAsync("show", "0f8fad5b-d9cb-469f-a165-70867728950e", "--api-key", "read-key-0123456789");

        Assert.Equal(ExitCodes.AccessDenied, code);
        Assert.Contains("(403)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_key_found_says_where_to_set_one()
    {
        var server = new PoolServers { Status = HttpStatusCode.Unauthorized };
        var run = new Run(server);

        var code = await run.ExecuteAsync("list");

        Assert.Equal(ExitCodes.AccessDenied, code);
        Assert.Null(server.Requests[0].Authorization);
        Assert.Contains("No API key was found", run.Error, StringComparison.Ordinal);
    }

    /// <summary>Plays the Negotiator's <c>GET /capacity</c> and the PoolManager's <c>GET /pools</c>, or responds to every request with <see cref="Status"/>.</summary>
    private sealed class PoolServers : HttpMessageHandler
    {
        public HttpStatusCode Status { get; init; } = HttpStatusCode.OK;

        /// <summary>A port whose requests fail as a refused connection does.</summary>
        public int? UnreachablePort { get; init; }

        public List<(string Address, string? Authorization)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            Requests.Add(($"{uri.Authority}{uri.AbsolutePath}", request.Headers.Authorization?.ToString()));
            if (uri.Port == UnreachablePort)
            {
                throw new HttpRequestException($"Connection refused ({uri.Authority})");
            }

            if (Status != HttpStatusCode.OK)
            {
                var detail = Status == HttpStatusCode.Unauthorized ? "The API key is not valid." : "This endpoint needs the scope 'submit'.";
                return Task.FromResult(Respond(Status, $$"""{"title":"Denied","status":{{(int)Status}},"detail":"{{detail}}"}""", "application/problem+json"));
            }

            return Task.FromResult(uri.AbsolutePath switch
            {
                "/capacity" => Respond(HttpStatusCode.OK, Capacity, "application/json"),
                "/pools" => Respond(HttpStatusCode.OK, Pools, "application/json"),
                _ => Respond(HttpStatusCode.NotFound, "{}", "application/json"),
            });
        }

        private static HttpResponseMessage Respond(HttpStatusCode status, string body, string mediaType) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
    }

    private static string Unwrap(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static CliHost Host(Dictionary<string, string> environment) => new()
    {
        Out = new StringConsole().Console,
        Error = new StringConsole().Console,
        JsonOut = new StringWriter(),
        GetEnvironmentVariable = name => environment.GetValueOrDefault(name),
    };

    private sealed class Run(HttpMessageHandler handler, Dictionary<string, string>? environment = null, string[]? envFile = null)
    {
        private readonly StringConsole output = new();
        private readonly StringConsole error = new();
        private readonly StringWriter json = new();

        public string Output => output.Text;

        public string Error => error.Text;

        public string Json => json.ToString();

        public string? EnvFileRead { get; private set; }

        public Task<int> ExecuteAsync(params string[] args)
        {
            var host = new CliHost
            {
                Out = output.Console,
                Error = error.Console,
                JsonOut = json,
                GetEnvironmentVariable = name => environment?.GetValueOrDefault(name),
                ReadEnvFile = path =>
                {
                    EnvFileRead = path;
                    return envFile;
                },
                CreateHandler = () => handler,
            };
            return CliApplication.RunAsync(host, args, CancellationToken.None);
        }
    }
}
