using System.ComponentModel.DataAnnotations;
using EventShadow.Hosting;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// How long and how closely a shadow is watched, and the validation suites, from the <c>Validation</c>
/// configuration section.
/// </summary>
public sealed class ValidationOptions
{
    public const string SectionName = "Validation";

    private string? shadowOwner;

    /// <summary>
    /// Seconds that the readiness command has to exit with 0, counted from the start of the validation.
    /// </summary>
    [Range(1, 3600, ErrorMessage = "Validation:ReadinessTimeoutSeconds must be between 1 and 3600 seconds.")]
    public int ReadinessTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds to keep watching the workload after readiness passed, or from the start when it has no readiness command.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "Validation:WatchSeconds must be between 0 and 3600 seconds.")]
    public int WatchSeconds { get; set; } = 5;

    /// <summary>
    /// Seconds the watch lasts at least before it may end early, once the shadow's peak memory grew by
    /// at most <see cref="SettleGrowthPercent"/> over one window of <see cref="SettleSeconds"/>, so a
    /// watch lasts at least one window. Null, or <see cref="WatchSeconds"/>, turns the early end off, so
    /// every watch lasts <see cref="WatchSeconds"/>. It has no effect when <see cref="SettleSeconds"/> is 0.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "Validation:MinWatchSeconds must be between 0 and 3600 seconds.")]
    public int? MinWatchSeconds { get; set; } = 0;

    /// <summary>
    /// Seconds over which the shadow's peak memory must grow by at most <see cref="SettleGrowthPercent"/>
    /// for the watch to end: the last seconds of the watch, repeated while the peak still grows. 0 ends
    /// every watch after <see cref="WatchSeconds"/> and leaves the peak's completeness unmeasured.
    /// </summary>
    [Range(0, 60, ErrorMessage = "Validation:SettleSeconds must be between 0 and 60 seconds.")]
    public int SettleSeconds { get; set; } = 2;

    /// <summary>
    /// Growth of the peak memory, in percent, that still counts as settled over <see cref="SettleSeconds"/>.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Validation:SettleGrowthPercent must be between 0 and 100.")]
    public double SettleGrowthPercent { get; set; } = 2;

    /// <summary>
    /// Seconds the watch may run past <see cref="WatchSeconds"/> while the peak memory still grows. A
    /// peak still growing after that is reported as not settled.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "Validation:MaxSettleSeconds must be between 0 and 3600 seconds.")]
    public int MaxSettleSeconds { get; set; } = 30;

    /// <summary>
    /// Milliseconds between two readiness probes and between two checks of the workload process.
    /// </summary>
    [Range(10, 60_000, ErrorMessage = "Validation:PollMilliseconds must be between 10 and 60000 milliseconds.")]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>
    /// Validations that one Validator instance runs at the same time; 0 derives the limit from the
    /// machine, <see cref="ValidationsPerProcessor"/> per processor (<see cref="ConcurrentValidations"/>).
    /// </summary>
    [Range(0, 256, ErrorMessage = "Validation:MaxConcurrentValidations must be between 0 (derive from the processors) and 256.")]
    public int MaxConcurrentValidations { get; set; }

    /// <summary>
    /// Seconds that one Docker Engine API call may take before the validation gives up on the engine.
    /// </summary>
    [Range(1, 300, ErrorMessage = "Validation:DockerCallTimeoutSeconds must be between 1 and 300 seconds.")]
    public int DockerCallTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// With PoolManagers on several Docker hosts, the <c>Shadows:InstanceName</c> of the PoolManager on this
    /// Validator's Docker host: the Validator then consumes from <c>validate-shadow-{ShadowOwner}</c> and
    /// <c>on-demand-validation-{ShadowOwner}</c> and validates only that PoolManager's shadows. Null (the
    /// default) serves one Docker host from the shared queues and validates every shadow. An empty or
    /// blank value, such as <c>Validation__ShadowOwner=</c> in an env file, is stored as null, because
    /// the configuration binder passes it on as an empty string and it means the setting was left out.
    /// </summary>
    public string? ShadowOwner
    {
        get => shadowOwner;
        set => shadowOwner = string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// Validation suites by name (case-insensitive). After binding, the built-in suites fill in every
    /// suite and setting the configuration leaves out.
    /// </summary>
    public IDictionary<string, ValidationSuiteOptions> Suites { get; set; } = new Dictionary<string, ValidationSuiteOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Validations per processor when <see cref="MaxConcurrentValidations"/> is 0. A validation mostly
    /// waits for Docker and for the workload, whose CPU its quota bounds, but each smoke load and each
    /// <c>docker exec</c> costs CPU on the host, so more at once only slows every one of them.
    /// </summary>
    public const int ValidationsPerProcessor = 4;

    /// <summary>
    /// Validations that run at once: <see cref="MaxConcurrentValidations"/>, or
    /// <see cref="ValidationsPerProcessor"/> per processor of this machine when it is 0.
    /// </summary>
    public int ConcurrentValidations => MaxConcurrentValidations > 0
        ? MaxConcurrentValidations
        : Math.Min(256, ValidationsPerProcessor * Environment.ProcessorCount);

    public TimeSpan ReadinessTimeout => TimeSpan.FromSeconds(ReadinessTimeoutSeconds);

    public TimeSpan Watch => TimeSpan.FromSeconds(WatchSeconds);

    /// <summary><see cref="MinWatchSeconds"/>, or <see cref="Watch"/> when it is not set.</summary>
    public TimeSpan MinWatch => TimeSpan.FromSeconds(Math.Min(MinWatchSeconds ?? WatchSeconds, WatchSeconds));

    public TimeSpan Settle => TimeSpan.FromSeconds(SettleSeconds);

    public TimeSpan MaxSettle => TimeSpan.FromSeconds(MaxSettleSeconds);

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    public TimeSpan DockerCallTimeout => TimeSpan.FromSeconds(DockerCallTimeoutSeconds);

    /// <summary>
    /// Upper bound of one whole validation without smoke load: the readiness timeout and the longest
    /// watch (<see cref="PeakSettling.MaxWatch"/>, which the peak memory still growing extends by up to
    /// <see cref="MaxSettleSeconds"/>), plus time for the Docker calls before, between and after them
    /// (checking the shadow, the last probe and poll, reading the cgroup).
    /// <see cref="ValidationSuite.Timeout"/> adds a suite's smoke load.
    /// </summary>
    public TimeSpan ValidationTimeout => ReadinessTimeout + PeakSettling.MaxWatch(this) + (4 * DockerCallTimeout);
}

/// <summary>
/// Registration of <see cref="ValidationOptions"/>, validated when the service starts.
/// </summary>
public static class ValidationOptionsSetup
{
    public static OptionsBuilder<ValidationOptions> AddValidationOptions(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<ValidationOptions>, ValidationSuitesValidator>();
        return services.AddOptions<ValidationOptions>()
            .BindConfiguration(ValidationOptions.SectionName)
            .PostConfigure(DefaultValidationSuites.ApplyTo)
            .ValidateDataAnnotations()
            .Validate(
                options => options.ShadowOwner is null || DockerHostEndpoints.IsValidHostName(options.ShadowOwner),
                $"Validation:ShadowOwner is invalid: use {DockerHostEndpoints.HostNameRule}, the Shadows:InstanceName of the PoolManager on this Validator's Docker host, or remove it for one Docker host.")
            .Validate(
                options => options.PollMilliseconds < options.ReadinessTimeoutSeconds * 1000,
                "Validation:PollMilliseconds must be shorter than Validation:ReadinessTimeoutSeconds, or the readiness command runs only once.")
            .Validate(
                options => options.MinWatchSeconds is null || options.MinWatchSeconds <= options.WatchSeconds,
                "Validation:MinWatchSeconds must not exceed Validation:WatchSeconds, which caps the watch of a workload whose peak memory has settled.")
            .ValidateOnStart();
    }
}
