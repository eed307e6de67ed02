using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// One validation suite, from <c>Validation:Suites:&lt;Name&gt;</c>. A shadow gets the suite named after
/// its workload profile (<c>Cache</c>, <c>Database</c>, <c>WebServer</c>, ...). Every setting left out
/// takes the value of the built-in suite of that name, see <see cref="DefaultValidationSuites"/>.
/// </summary>
public sealed class ValidationSuiteOptions
{
    /// <summary>Replaces the readiness command of the image mapping, which is the default.</summary>
    public ReadinessCheckOptions? Readiness { get; set; }

    public SmokeLoadOptions? SmokeLoad { get; set; }

    public ValidationThresholdOptions? Thresholds { get; set; }
}

/// <summary>
/// The readiness check of a suite: a command that exits with 0 once the workload is ready, or a TCP
/// port that accepts connections on 127.0.0.1 inside the shadow.
/// </summary>
public sealed class ReadinessCheckOptions
{
    /// <summary>Command run inside the shadow until it exits with 0.</summary>
    public string[]? Command { get; set; }

    /// <summary>User that runs <see cref="Command"/>; the image's default user when unset.</summary>
    public string? User { get; set; }

    /// <summary>
    /// Port checked with <c>nc -z 127.0.0.1 PORT</c> inside the shadow when <see cref="Command"/> is unset.
    /// The image needs <c>nc</c>.
    /// </summary>
    public int? TcpPort { get; set; }

    /// <summary>Seconds the workload has to get ready; <c>Validation:ReadinessTimeoutSeconds</c> when unset.</summary>
    public int? TimeoutSeconds { get; set; }
}

/// <summary>
/// A short load run inside the shadow once the workload is ready, the way the workload will be used.
/// </summary>
public sealed class SmokeLoadOptions
{
    /// <summary>False turns off the built-in smoke load of a suite.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Name used in measurements and reasons; the command's program when unset.</summary>
    public string? Name { get; set; }

    /// <summary>Program and arguments, run with Docker exec inside the shadow.</summary>
    public string[]? Command { get; set; }

    /// <summary>User that runs the command and the cleanup; the image's default user when unset.</summary>
    public string? User { get; set; }

    /// <summary>
    /// Seconds the command may run. It runs under coreutils <c>timeout</c>, which the image needs, so a
    /// hung load is ended inside the shadow rather than left running.
    /// </summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>
    /// Command run after the validation to remove what the load left behind, such as benchmark tables.
    /// </summary>
    public string[]? Cleanup { get; set; }
}

/// <summary>
/// Limits that fail a validation although nothing crashed.
/// </summary>
public sealed class ValidationThresholdOptions
{
    /// <summary>
    /// Throughput the smoke load must reach, in the unit its output reports (requests or transactions per second).
    /// </summary>
    public double? MinRequestsPerSecond { get; set; }

    /// <summary>
    /// Share of the memory limit, in percent, that must stay free at peak use. Peak use includes page
    /// cache, which a workload writing files fills up to the limit, so keep this off (unset) for them.
    /// </summary>
    public double? MinMemoryHeadroomPercent { get; set; }
}

/// <summary>
/// The built-in suites. Each smoke load is bounded in requests and time, and takes a few seconds at
/// the profile's default allocation. Profiles without an entry run no smoke load.
/// </summary>
public static class DefaultValidationSuites
{
    public const string Cache = "Cache";
    public const string Database = "Database";
    public const string WebServer = "WebServer";

    /// <summary>Returns new option objects of the built-in suites, keyed by suite name.</summary>
    public static IReadOnlyDictionary<string, ValidationSuiteOptions> Create() => new Dictionary<string, ValidationSuiteOptions>(StringComparer.OrdinalIgnoreCase)
    {
        // 20,000 SET and GET requests of 256-byte values over at most 100,000 keys: a few MB of data.
        [Cache] = new ValidationSuiteOptions
        {
            SmokeLoad = new SmokeLoadOptions
            {
                Name = "redis-benchmark",
                Command = ["redis-benchmark", "-h", "127.0.0.1", "-p", "6379", "-t", "set,get", "-n", "20000", "-c", "10", "-d", "256", "-r", "100000", "--csv"],
                TimeoutSeconds = 20,
                Cleanup = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "FLUSHALL"],
            },
        },

        // pgbench tables at scale 5 (500,000 accounts, about 80 MB), then 3 seconds of its TPC-B-like
        // transactions from 2 clients. The cleanup drops the tables.
        [Database] = new ValidationSuiteOptions
        {
            SmokeLoad = new SmokeLoadOptions
            {
                Name = "pgbench",
                Command = ["sh", "-c", "pgbench -h /var/run/postgresql -i -s 5 -q postgres && pgbench -h /var/run/postgresql -c 2 -j 2 -T 3 postgres"],
                User = "postgres",
                TimeoutSeconds = 30,
                Cleanup = ["pgbench", "-h", "/var/run/postgresql", "-i", "-I", "d", "postgres"],
            },
        },

        // 2,000 requests for / from 10 concurrent clients with ApacheBench.
        [WebServer] = new ValidationSuiteOptions
        {
            SmokeLoad = new SmokeLoadOptions
            {
                Name = "ab",
                Command = ["ab", "-q", "-n", "2000", "-c", "10", "-s", "5", "http://127.0.0.1/"],
                TimeoutSeconds = 20,
            },
        },
    };

    /// <summary>
    /// Fills in what the configuration leaves out from the built-in suites: whole suites, and single
    /// settings of a configured suite. A configured smoke-load <c>Command</c> replaces the built-in
    /// command together with its <c>Name</c> and <c>User</c>; a configured readiness <c>Command</c> or
    /// <c>TcpPort</c> replaces the built-in check together with its <c>User</c>.
    /// </summary>
    public static void ApplyTo(ValidationOptions options)
    {
        foreach (var (name, builtIn) in Create())
        {
            // The binder may replace the dictionary with one that compares keys by case, while keys are not.
            var configured = options.Suites.FirstOrDefault(suite => string.Equals(suite.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            if (configured is null)
            {
                options.Suites[name] = builtIn;
                continue;
            }

            configured.Readiness = Merge(configured.Readiness, builtIn.Readiness);
            configured.SmokeLoad = Merge(configured.SmokeLoad, builtIn.SmokeLoad);
            configured.Thresholds = Merge(configured.Thresholds, builtIn.Thresholds);
        }
    }

    private static ReadinessCheckOptions? Merge(ReadinessCheckOptions? configured, ReadinessCheckOptions? builtIn)
    {
        if (configured is null || builtIn is null)
        {
            return configured ?? builtIn;
        }

        if (configured.Command is not { Length: > 0 } && configured.TcpPort is null)
        {
            configured.Command = builtIn.Command;
            configured.TcpPort = builtIn.TcpPort;
            configured.User ??= builtIn.User;
        }

        configured.TimeoutSeconds ??= builtIn.TimeoutSeconds;
        return configured;
    }

    private static SmokeLoadOptions? Merge(SmokeLoadOptions? configured, SmokeLoadOptions? builtIn)
    {
        if (configured is null || builtIn is null)
        {
            return configured ?? builtIn;
        }

        if (configured.Command is not { Length: > 0 })
        {
            configured.Command = builtIn.Command;
            configured.Name ??= builtIn.Name;
            configured.User ??= builtIn.User;
        }

        configured.Enabled ??= builtIn.Enabled;
        configured.TimeoutSeconds ??= builtIn.TimeoutSeconds;
        configured.Cleanup ??= builtIn.Cleanup;
        return configured;
    }

    private static ValidationThresholdOptions? Merge(ValidationThresholdOptions? configured, ValidationThresholdOptions? builtIn)
    {
        if (configured is null || builtIn is null)
        {
            return configured ?? builtIn;
        }

        configured.MinRequestsPerSecond ??= builtIn.MinRequestsPerSecond;
        configured.MinMemoryHeadroomPercent ??= builtIn.MinMemoryHeadroomPercent;
        return configured;
    }
}

/// <summary>
/// Checks every suite of <see cref="ValidationOptions.Suites"/> when the service starts, naming the key of each invalid setting.
/// </summary>
public sealed class ValidationSuitesValidator : IValidateOptions<ValidationOptions>
{
    public ValidateOptionsResult Validate(string? name, ValidationOptions options)
    {
        var failures = new List<string>();
        foreach (var (suiteName, suite) in options.Suites)
        {
            var key = $"{ValidationOptions.SectionName}:Suites:{suiteName}";
            if (suite is null)
            {
                continue;
            }

            if (!ValidationSuiteName.IsValid(suiteName))
            {
                failures.Add($"{key}: suite names may contain only letters, digits, '-' and '_', up to {ValidationSuiteName.MaxLength} characters.");
            }

            if (suite.Readiness is { } readiness)
            {
                if (readiness.TcpPort is < 1 or > 65535)
                {
                    failures.Add($"{key}:Readiness:TcpPort must be a port from 1 to 65535, not {readiness.TcpPort}.");
                }

                if (readiness.TimeoutSeconds is < 1 or > 3600)
                {
                    failures.Add($"{key}:Readiness:TimeoutSeconds must be between 1 and 3600 seconds, not {readiness.TimeoutSeconds}.");
                }
            }

            if (suite.SmokeLoad is { Enabled: not false } load)
            {
                if (load.Command is not { Length: > 0 } || string.IsNullOrWhiteSpace(load.Command[0]))
                {
                    failures.Add($"{key}:SmokeLoad:Command is missing; set a program and its arguments, or set {key}:SmokeLoad:Enabled to false.");
                }

                if (load.TimeoutSeconds is < 1 or > 600)
                {
                    failures.Add($"{key}:SmokeLoad:TimeoutSeconds must be between 1 and 600 seconds, not {load.TimeoutSeconds}.");
                }
            }

            if (suite.Thresholds is { } thresholds)
            {
                if (thresholds.MinRequestsPerSecond is < 0)
                {
                    failures.Add($"{key}:Thresholds:MinRequestsPerSecond must not be negative.");
                }

                if (thresholds.MinMemoryHeadroomPercent is < 0 or >= 100)
                {
                    failures.Add($"{key}:Thresholds:MinMemoryHeadroomPercent must be at least 0 and below 100 percent.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
