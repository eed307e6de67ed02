using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// How long and how closely a shadow is watched, and the validation suites, from the <c>Validation</c>
/// configuration section.
/// </summary>
public sealed class ValidationOptions
{
    public const string SectionName = "Validation";

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
    /// Milliseconds between two readiness probes and between two checks of the workload process.
    /// </summary>
    [Range(10, 60_000, ErrorMessage = "Validation:PollMilliseconds must be between 10 and 60000 milliseconds.")]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>
    /// Validations that one Validator instance runs at the same time.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Validation:MaxConcurrentValidations must be between 1 and 256.")]
    public int MaxConcurrentValidations { get; set; } = 4;

    /// <summary>
    /// Seconds that one Docker Engine API call may take before the validation gives up on the engine.
    /// </summary>
    [Range(1, 300, ErrorMessage = "Validation:DockerCallTimeoutSeconds must be between 1 and 300 seconds.")]
    public int DockerCallTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Validation suites by name (case-insensitive). After binding, the built-in suites fill in every
    /// suite and setting the configuration leaves out.
    /// </summary>
    public IDictionary<string, ValidationSuiteOptions> Suites { get; set; } = new Dictionary<string, ValidationSuiteOptions>(StringComparer.OrdinalIgnoreCase);

    public TimeSpan ReadinessTimeout => TimeSpan.FromSeconds(ReadinessTimeoutSeconds);

    public TimeSpan Watch => TimeSpan.FromSeconds(WatchSeconds);

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    public TimeSpan DockerCallTimeout => TimeSpan.FromSeconds(DockerCallTimeoutSeconds);

    /// <summary>
    /// Upper bound of one whole validation without smoke load: the readiness timeout and the watch, plus
    /// time for the Docker calls before, between and after them (checking the shadow, the last probe and
    /// poll, reading the cgroup). <see cref="ValidationSuite.Timeout"/> adds a suite's smoke load.
    /// </summary>
    public TimeSpan ValidationTimeout => ReadinessTimeout + Watch + (4 * DockerCallTimeout);
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
                options => options.PollMilliseconds < options.ReadinessTimeoutSeconds * 1000,
                "Validation:PollMilliseconds must be shorter than Validation:ReadinessTimeoutSeconds, or the readiness command runs only once.")
            .ValidateOnStart();
    }
}
