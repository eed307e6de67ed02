using EventShadow.Contracts;

namespace EventShadow.Costs.Ledger;

/// <summary>
/// Costs, rates and start-up measurements summed over a group of cost events: one day of one pool
/// and profile, one day of one negotiation, or a row of a report.
/// </summary>
public sealed class CostTotals
{
    /// <summary>Money spent on shadows that ran validations, from claim to release.</summary>
    public decimal ShadowCost { get; set; }

    public double ShadowSeconds { get; set; }

    /// <summary>Shadows released, each counted on the day it was claimed.</summary>
    public int ShadowRuns { get; set; }

    /// <summary>Money spent on warm shadows while they stood paused (their memory only).</summary>
    public decimal IdleCost { get; set; }

    public double IdleSeconds { get; set; }

    public int IdlePeriods { get; set; }

    /// <summary>Allocations committed, each counted on the day it was committed.</summary>
    public int Commitments { get; set; }

    /// <summary>What the committed allocations cost per hour they run.</summary>
    public decimal CommittedPerHour { get; set; }

    /// <summary>Money per hour that the committed allocations save against their requests.</summary>
    public decimal SavedPerHour { get; set; }

    /// <summary>Money per hour that the committed allocations cost beyond their requests.</summary>
    public decimal ExtraPerHour { get; set; }

    /// <summary>vCPU-hours saved per hour.</summary>
    public double SavedCores { get; set; }

    /// <summary>GiB-hours saved per hour.</summary>
    public double SavedGib { get; set; }

    public double ExtraCores { get; set; }

    public double ExtraGib { get; set; }

    /// <summary>Shadows created on demand.</summary>
    public int ColdStarts { get; set; }

    /// <summary>Shadows taken warm from a pool.</summary>
    public int WarmStarts { get; set; }

    public double ColdReadySeconds { get; set; }

    /// <summary>Cold starts whose time to ready was measured.</summary>
    public int ColdReadyCount { get; set; }

    public double WarmReadySeconds { get; set; }

    public int WarmReadyCount { get; set; }

    /// <summary>Currency of the amounts; empty while there are none.</summary>
    public string Currency { get; set; } = "";

    /// <summary>Price list versions that priced these costs, in the order first used.</summary>
    public IList<string> PriceVersions { get; set; } = [];

    /// <summary>Money actually spent: shadow runs and idle shadows. Commitments are rates and not part of it.</summary>
    public decimal Cost => ShadowCost + IdleCost;

    public bool IsEmpty =>
        ShadowRuns == 0 && IdlePeriods == 0 && Commitments == 0 && ShadowCost == 0 && IdleCost == 0 &&
        ShadowSeconds == 0 && IdleSeconds == 0;

    public void AddShadowSegment(CostSegment segment, string currency)
    {
        Currency = currency;
        ShadowCost += segment.Cost;
        ShadowSeconds += (segment.End - segment.Start).TotalSeconds;
        NoteVersion(segment.PriceVersion);
    }

    /// <summary>Counts one released shadow and its start-up measurement.</summary>
    public void AddShadowRun(ShadowCostRecorded recorded)
    {
        Currency = recorded.Currency;
        ShadowRuns++;
        switch (recorded.ColdStart)
        {
            case true:
                ColdStarts++;
                if (recorded.TimeToReadySeconds is { } coldReady)
                {
                    ColdReadySeconds += coldReady;
                    ColdReadyCount++;
                }

                break;
            case false:
                WarmStarts++;
                if (recorded.TimeToReadySeconds is { } warmReady)
                {
                    WarmReadySeconds += warmReady;
                    WarmReadyCount++;
                }

                break;
        }
    }

    public void AddIdleSegment(CostSegment segment, bool firstOfPeriod, string currency)
    {
        Currency = currency;
        IdleCost += segment.Cost;
        IdleSeconds += (segment.End - segment.Start).TotalSeconds;
        if (firstOfPeriod)
        {
            IdlePeriods++;
        }

        NoteVersion(segment.PriceVersion);
    }

    public void AddCommitment(CommittedAllocationPriced priced)
    {
        Currency = priced.Currency;
        Commitments++;
        CommittedPerHour += priced.CostPerHour;
        SavedPerHour += priced.Savings.SavedPerHour;
        ExtraPerHour += priced.Savings.ExtraPerHour;
        SavedCores += priced.Savings.SavedCores;
        SavedGib += priced.Savings.SavedGib;
        ExtraCores += priced.Savings.ExtraCores;
        ExtraGib += priced.Savings.ExtraGib;
        NoteVersion(priced.PriceVersion);
    }

    public void Add(CostTotals other)
    {
        ShadowCost += other.ShadowCost;
        ShadowSeconds += other.ShadowSeconds;
        ShadowRuns += other.ShadowRuns;
        IdleCost += other.IdleCost;
        IdleSeconds += other.IdleSeconds;
        IdlePeriods += other.IdlePeriods;
        Commitments += other.Commitments;
        CommittedPerHour += other.CommittedPerHour;
        SavedPerHour += other.SavedPerHour;
        ExtraPerHour += other.ExtraPerHour;
        SavedCores += other.SavedCores;
        SavedGib += other.SavedGib;
        ExtraCores += other.ExtraCores;
        ExtraGib += other.ExtraGib;
        ColdStarts += other.ColdStarts;
        WarmStarts += other.WarmStarts;
        ColdReadySeconds += other.ColdReadySeconds;
        ColdReadyCount += other.ColdReadyCount;
        WarmReadySeconds += other.WarmReadySeconds;
        WarmReadyCount += other.WarmReadyCount;
        if (Currency.Length == 0)
        {
            Currency = other.Currency;
        }

        foreach (var version in other.PriceVersions)
        {
            NoteVersion(version);
        }
    }

    private void NoteVersion(string version)
    {
        if (!PriceVersions.Contains(version))
        {
            PriceVersions.Add(version);
        }
    }
}
