namespace EventShadow.Validator;

/// <summary>
/// What the watch does after one settle window.
/// </summary>
public enum WatchStep
{
    /// <summary>Watch another window.</summary>
    Continue,

    /// <summary>End the watch: the peak memory grew by at most the allowed share over the window.</summary>
    Settled,

    /// <summary>End the watch: the longest watch allowed ran out while the peak still grew.</summary>
    StillGrowing,
}

/// <summary>
/// Decides when a validation's watch ends, from readings of the shadow's peak memory taken one settle
/// window apart (<see cref="ValidationOptions.SettleSeconds"/>).
/// </summary>
/// <remarks>
/// The first window ends at <see cref="ValidationOptions.MinWatch"/>, or after one window when that is
/// shorter. Without a minimum watch, that is <see cref="ValidationOptions.Watch"/>, so a workload whose
/// peak is flat is watched exactly that long. A peak that still grows keeps the watch going, one window
/// at a time, up to <see cref="ValidationOptions.MaxSettle"/> past <see cref="ValidationOptions.Watch"/>.
/// </remarks>
public static class PeakSettling
{
    /// <summary>
    /// Returns the time from the start of the watch to the end of its first settle window.
    /// </summary>
    public static TimeSpan FirstWindowEnd(ValidationOptions settings) =>
        settings.MinWatch > settings.Settle ? settings.MinWatch : settings.Settle;

    /// <summary>
    /// Returns the time from the start of the watch after which a peak that still grows no longer
    /// extends it.
    /// </summary>
    public static TimeSpan LongestWatch(ValidationOptions settings)
    {
        var planned = settings.Watch > FirstWindowEnd(settings) ? settings.Watch : FirstWindowEnd(settings);
        return planned + settings.MaxSettle;
    }

    /// <summary>
    /// Returns the maximum duration of a watch: <see cref="ValidationOptions.Watch"/> when
    /// <see cref="ValidationOptions.SettleSeconds"/> is 0, and otherwise <see cref="LongestWatch"/> plus
    /// one settle window. A window that starts just before <see cref="LongestWatch"/> runs to its end
    /// before <see cref="Next"/> stops the watch. The peak readings between windows are not included.
    /// </summary>
    public static TimeSpan MaxWatch(ValidationOptions settings) =>
        settings.SettleSeconds == 0 ? settings.Watch : LongestWatch(settings) + settings.Settle;

    /// <summary>
    /// Returns whether a peak of <paramref name="after"/> bytes at the end of a window, against
    /// <paramref name="before"/> bytes at its start, grew by at most
    /// <see cref="ValidationOptions.SettleGrowthPercent"/>.
    /// </summary>
    public static bool HasSettled(long before, long after, ValidationOptions settings) =>
        after <= before * (1 + (settings.SettleGrowthPercent / 100));

    /// <summary>
    /// Decides what follows a settle window that ended <paramref name="elapsed"/> after the watch started,
    /// with the peak readings at its start and end.
    /// </summary>
    public static WatchStep Next(TimeSpan elapsed, long before, long after, ValidationOptions settings)
    {
        if (HasSettled(before, after, settings))
        {
            return WatchStep.Settled;
        }

        return elapsed >= LongestWatch(settings) ? WatchStep.StillGrowing : WatchStep.Continue;
    }
}
