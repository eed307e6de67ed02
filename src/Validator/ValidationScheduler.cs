using System.Globalization;
using EventShadow.Hosting;
using Medallion.Threading.Postgres;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// Runs validations one at a time per shadow, across every Validator instance, and at most
/// <see cref="ValidationOptions.ConcurrentValidations"/> at once in this instance, whichever
/// consumer asked for them.
/// </summary>
/// <remarks>
/// The per-shadow lock is a PostgreSQL advisory lock held on its own connection of the event store's
/// database for the whole validation, so two Validators never run a smoke load in one shadow at once.
/// </remarks>
public sealed class ValidationScheduler : IDisposable
{
    private const string LockPrefix = "eventshadow-validation:";

    private readonly SemaphoreSlim slots;
    private readonly string connectionString;
    private readonly TimeSpan maximumWait;
    private readonly ILogger<ValidationScheduler> logger;

    public ValidationScheduler(IOptions<ValidationOptions> options, IOptions<EventStoreOptions> eventStore, ILogger<ValidationScheduler> logger)
    {
        var settings = options.Value;
        slots = new SemaphoreSlim(settings.ConcurrentValidations, settings.ConcurrentValidations);
        connectionString = eventStore.Value.ConnectionString;
        maximumWait = ValidationSuites.LongestTimeout(settings);
        this.logger = logger;
    }

    /// <summary>
    /// Maximum time a validation waits for the shadow or for a free slot: the maximum duration of a
    /// validation with any suite.
    /// </summary>
    public TimeSpan MaximumWait => maximumWait;

    /// <summary>
    /// Runs <paramref name="validation"/> once no other validation of <paramref name="shadowId"/> runs
    /// and a slot is free. Raises <see cref="TimeoutException"/> when either takes longer than
    /// <see cref="MaximumWait"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(string shadowId, Func<CancellationToken, Task<T>> validation, CancellationToken cancellationToken)
    {
        var shadowLock = new PostgresDistributedLock(new PostgresAdvisoryLockKey(LockPrefix + shadowId, allowHashing: true), connectionString);
        await using var handle = await shadowLock.TryAcquireAsync(maximumWait, cancellationToken)
            ?? throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Another validation of shadow {shadowId} did not finish within {maximumWait.TotalSeconds:0} s."));

        if (!await slots.WaitAsync(maximumWait, cancellationToken))
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"No validation slot of this Validator became free within {maximumWait.TotalSeconds:0} s (Validation:MaxConcurrentValidations)."));
        }

        try
        {
            logger.LogDebug("Validation of shadow {ShadowId} acquired the shadow's lock and a slot", shadowId);
            return await validation(cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();
}
