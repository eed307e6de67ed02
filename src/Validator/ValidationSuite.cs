using System.Globalization;
using EventShadow.Contracts;

namespace EventShadow.Validator;

/// <summary>
/// A validation suite ready to run: how to tell readiness, the smoke load and the thresholds.
/// </summary>
/// <param name="Name">Suite name, recorded with the measurements.</param>
/// <param name="Readiness">Readiness check that replaces the shadow's own; null keeps the shadow's.</param>
/// <param name="ReadinessTimeout">Time the workload has to get ready, counted from the start of the validation.</param>
/// <param name="SmokeLoad">Load to run once the workload is ready; null when the suite has none.</param>
/// <param name="MinMemoryHeadroomPercent">Share of the memory limit that must stay free at peak; null when not checked.</param>
public sealed record ValidationSuite(
    string Name,
    ReadinessProbe? Readiness,
    TimeSpan ReadinessTimeout,
    SmokeLoadPlan? SmokeLoad,
    double? MinMemoryHeadroomPercent)
{
    /// <summary>
    /// Extra time a smoke load gets after its own limit, for <c>timeout</c> to kill it and Docker to report its exit.
    /// </summary>
    public static readonly TimeSpan SmokeLoadGrace = TimeSpan.FromSeconds(5);

    /// <summary>The suite without smoke load or thresholds, which keeps the shadow's readiness check.</summary>
    public static ValidationSuite Plain(string name, ValidationOptions settings) => new(name, null, settings.ReadinessTimeout, null, null);

    /// <summary>
    /// Upper bound of one validation with this suite: readiness, smoke load, the longest watch
    /// (<see cref="PeakSettling.MaxWatch"/>) and cleanup, plus time for the Docker calls around them
    /// (checking the shadow, reading the cgroup twice, the last poll).
    /// </summary>
    public TimeSpan Timeout(ValidationOptions settings)
    {
        var smokeLoad = SmokeLoad is { } load
            ? load.Timeout + SmokeLoadGrace + (load.Cleanup.Count > 0 ? settings.DockerCallTimeout : TimeSpan.Zero) + (2 * settings.DockerCallTimeout)
            : TimeSpan.Zero;
        return ReadinessTimeout + PeakSettling.MaxWatch(settings) + smokeLoad + (4 * settings.DockerCallTimeout);
    }
}

/// <summary>
/// A smoke load ready to run.
/// </summary>
/// <param name="Name">Short name used in measurements and reasons, such as <c>redis-benchmark</c>.</param>
/// <param name="Command">Program and arguments.</param>
/// <param name="User">User that runs it and the cleanup; null for the image's default user.</param>
/// <param name="Timeout">Time it may run before it is ended.</param>
/// <param name="Cleanup">Command that removes what the load left behind; empty when there is none.</param>
/// <param name="MinRequestsPerSecond">Throughput it must reach; null when not checked.</param>
public sealed record SmokeLoadPlan(
    string Name,
    IReadOnlyList<string> Command,
    string? User,
    TimeSpan Timeout,
    IReadOnlyList<string> Cleanup,
    double? MinRequestsPerSecond)
{
    public string CommandLine => string.Join(' ', Command);

    /// <summary>
    /// The command under coreutils <c>timeout</c>: SIGTERM at the limit, SIGKILL 2 s later, to the
    /// command and every process it started.
    /// </summary>
    public IReadOnlyList<string> BoundedCommand =>
        ["timeout", "--kill-after=2", Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture), .. Command];
}

/// <summary>
/// Chooses the suite for a validation from <see cref="ValidationOptions.Suites"/>.
/// </summary>
public static class ValidationSuites
{
    /// <summary>
    /// Returns the suite named after <paramref name="profile"/>, or a plain suite of that name when
    /// none is configured. A shadow recorded without a profile gets the <c>Generic</c> suite.
    /// </summary>
    public static ValidationSuite ForProfile(ValidationOptions settings, WorkloadProfile? profile)
    {
        var name = (profile ?? WorkloadProfile.Generic).ToString();
        return Find(settings, name) ?? ValidationSuite.Plain(name, settings);
    }

    /// <summary>
    /// Returns the configured suite called <paramref name="name"/> (case-insensitive), or, when none
    /// is, the plain suite of a workload profile of that name; null for any other name.
    /// </summary>
    public static ValidationSuite? Find(ValidationOptions settings, string name)
    {
        var entry = settings.Suites.FirstOrDefault(suite => string.Equals(suite.Key, name, StringComparison.OrdinalIgnoreCase));
        if (entry.Value is null)
        {
            return Enum.TryParse<WorkloadProfile>(name, ignoreCase: true, out var profile) && Enum.IsDefined(profile) && !IsNumber(name)
                ? ValidationSuite.Plain(profile.ToString(), settings)
                : null;
        }

        return Resolve(entry.Key, entry.Value, settings);
    }

    /// <summary>Returns the longest <see cref="ValidationSuite.Timeout"/> of any suite, plain ones included.</summary>
    public static TimeSpan LongestTimeout(ValidationOptions settings)
    {
        var plain = ValidationSuite.Plain(nameof(WorkloadProfile.Generic), settings).Timeout(settings);
        return settings.Suites.Keys
            .Select(name => Find(settings, name)?.Timeout(settings) ?? plain)
            .Append(plain)
            .Max();
    }

    /// <summary>Names of every suite a request may ask for: the configured ones and every workload profile.</summary>
    public static IReadOnlyList<string> Names(ValidationOptions settings) =>
        settings.Suites.Keys.Concat(Enum.GetNames<WorkloadProfile>()).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();

    private static ValidationSuite Resolve(string name, ValidationSuiteOptions suite, ValidationOptions settings)
    {
        var readiness = suite.Readiness;
        ReadinessProbe? probe = null;
        if (readiness?.Command is { Length: > 0 } command)
        {
            probe = new ReadinessProbe([.. command], readiness.User);
        }
        else if (readiness?.TcpPort is { } port)
        {
            probe = new ReadinessProbe(["nc", "-z", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)], readiness.User);
        }

        var readinessTimeout = readiness?.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.ReadinessTimeout;

        SmokeLoadPlan? smokeLoad = null;
        if (suite.SmokeLoad is { Enabled: not false, Command: { Length: > 0 } loadCommand } load)
        {
            smokeLoad = new SmokeLoadPlan(
                load.Name ?? Path.GetFileName(loadCommand[0]),
                [.. loadCommand],
                load.User,
                TimeSpan.FromSeconds(load.TimeoutSeconds ?? SmokeLoadDefaults.TimeoutSeconds),
                [.. load.Cleanup ?? []],
                suite.Thresholds?.MinRequestsPerSecond);
        }

        return new ValidationSuite(name, probe, readinessTimeout, smokeLoad, suite.Thresholds?.MinMemoryHeadroomPercent);
    }

    private static bool IsNumber(string name) => name.Length > 0 && (char.IsAsciiDigit(name[0]) || name[0] == '-');
}

/// <summary>Values a smoke load takes when neither its suite nor the built-in suite sets them.</summary>
public static class SmokeLoadDefaults
{
    public const int TimeoutSeconds = 30;
}
