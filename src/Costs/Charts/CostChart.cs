using System.Globalization;
using EventShadow.Costs.Reports;
using ScottPlot;

namespace EventShadow.Costs.Charts;

/// <summary>
/// Draws a cost report's days as a PNG: cost and savings over time above, idle shadow cost against
/// demand (tasks submitted per day) below.
/// </summary>
public static class CostChart
{
    public const int Width = 1400;
    public const int Height = 1000;

    private static readonly Color ShadowColor = Color.FromHex("#4C72B0");
    private static readonly Color IdleColor = Color.FromHex("#DD8452");
    private static readonly Color SavingsColor = Color.FromHex("#2CA02C");
    private static readonly Color ExtraColor = Color.FromHex("#C44E52");
    private static readonly Color DemandColor = Color.FromHex("#555555");

    /// <summary>Writes the chart of <paramref name="report"/> to <paramref name="path"/> as a PNG.</summary>
    public static void Save(CostReport report, string path)
    {
        var multiplot = new Multiplot(CostAndSavings(report));
        multiplot.AddPlot(IdleAgainstDemand(report));
        multiplot.SavePng(path, Width, Height);
    }

    /// <summary>Stacked daily cost (validation shadows, idle shadows) with the savings rate committed each day.</summary>
    private static Plot CostAndSavings(CostReport report)
    {
        var plot = NewPlot(report, $"Cost per day and savings committed per day ({report.Currency})");
        var bars = new List<Bar>();
        foreach (var day in report.Daily)
        {
            var x = Position(day.Key);
            var shadow = (double)day.Shadows.Cost;
            var idle = (double)day.IdleShadows.Cost;
            bars.Add(new Bar { Position = x, ValueBase = 0, Value = shadow, FillColor = ShadowColor, Size = 0.8, LineWidth = 0 });
            bars.Add(new Bar { Position = x, ValueBase = shadow, Value = shadow + idle, FillColor = IdleColor, Size = 0.8, LineWidth = 0 });
        }

        plot.Add.Bars(bars);
        plot.Axes.Left.Label.Text = $"cost per day ({report.Currency})";

        var xs = report.Daily.Select(day => Position(day.Key)).ToArray();
        var saved = report.Daily.Select(day => (double)day.Savings.SavedPerMonth).ToArray();
        var extra = report.Daily.Select(day => (double)day.Savings.ExtraPerMonth).ToArray();
        if (xs.Length > 0)
        {
            var savedLine = plot.Add.Scatter(xs, saved, SavingsColor);
            savedLine.Axes.YAxis = plot.Axes.Right;
            savedLine.LineWidth = 2.5f;
            savedLine.MarkerSize = 7;
            var extraLine = plot.Add.Scatter(xs, extra, ExtraColor);
            extraLine.Axes.YAxis = plot.Axes.Right;
            extraLine.LineWidth = 1.5f;
            extraLine.LinePattern = LinePattern.Dashed;
            extraLine.MarkerSize = 5;
        }

        plot.Axes.Right.Label.Text = $"saved or extra per month ({report.Currency})";
        plot.Axes.Right.Label.ForeColor = SavingsColor;

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "validation shadows", FillColor = ShadowColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "idle warm shadows", FillColor = IdleColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "savings committed that day, per month (right axis)", LineColor = SavingsColor, LineWidth = 2.5f, MarkerColor = SavingsColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "extra cost committed that day, per month (right axis)", LineColor = ExtraColor, LineWidth = 1.5f, LinePattern = LinePattern.Dashed });
        Finish(plot);
        return plot;
    }

    /// <summary>Idle shadow cost per day against the tasks submitted that day.</summary>
    private static Plot IdleAgainstDemand(CostReport report)
    {
        var plot = NewPlot(report, "Idle warm shadow cost against demand");
        var bars = report.Daily
            .Select(day => new Bar { Position = Position(day.Key), Value = (double)day.IdleShadows.Cost, FillColor = IdleColor, Size = 0.8, LineWidth = 0 })
            .ToList();
        plot.Add.Bars(bars);
        plot.Axes.Left.Label.Text = $"idle shadow cost per day ({report.Currency})";

        var xs = report.Daily.Select(day => Position(day.Key)).ToArray();
        var arrivals = report.Daily.Select(day => (double)(day.Arrivals ?? 0)).ToArray();
        if (xs.Length > 0)
        {
            var demand = plot.Add.Scatter(xs, arrivals, DemandColor);
            demand.Axes.YAxis = plot.Axes.Right;
            demand.LineWidth = 2;
            demand.MarkerSize = 6;
        }

        plot.Axes.Right.Label.Text = "tasks submitted";
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "idle warm shadows (left axis)", FillColor = IdleColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "tasks submitted (right axis)", LineColor = DemandColor, LineWidth = 2, MarkerColor = DemandColor });

        var idleTotal = report.Total.IdleShadows.Cost;
        if (idleTotal == 0)
        {
            var note = plot.Add.Annotation("No idle warm shadow cost in this period.", Alignment.UpperRight);
            note.LabelFontSize = 14;
        }

        Finish(plot);
        return plot;
    }

    private static Plot NewPlot(CostReport report, string title)
    {
        var plot = new Plot();
        var period = (report.From, report.To) switch
        {
            (null, null) => "all history",
            _ => $"{Day(report.From)} to {Day(report.To)}",
        };
        plot.Title($"{title} - {report.Source}, {period}");
        plot.Axes.Title.Label.FontSize = 18;
        plot.Font.Set("DejaVu Sans");
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (position, label) in DayTicks(report.Daily.Select(day => day.Key).ToList()))
        {
            ticks.AddMajor(position, label);
        }

        plot.Axes.Bottom.TickGenerator = ticks;

        plot.Axes.Bottom.Label.Text = "UTC day";
        return plot;
    }

    /// <summary>
    /// Starts both value axes at zero and leaves room above the data for the legend, which sits in a
    /// row at the top.
    /// </summary>
    private static void Finish(Plot plot)
    {
        plot.Axes.AutoScale();
        foreach (var axis in new[] { plot.Axes.Left, plot.Axes.Right })
        {
            var top = Math.Max(axis.Max, 1e-6);
            axis.Range.Set(0, top * 1.35);
        }

        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Alignment.UpperCenter);
        foreach (var axis in new[] { plot.Axes.Left, plot.Axes.Right })
        {
            axis.Label.FontSize = 15;
            axis.TickLabelStyle.FontSize = 13;
        }

        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
    }

    /// <summary>
    /// Returns one tick per day, or per every few days so that at most <paramref name="maxLabels"/>
    /// labels fit under the bars. Each tick sits on its day's bar and names that day once. Automatic
    /// date ticks put several ticks on one day when the report covers a few days.
    /// </summary>
    public static IReadOnlyList<(double Position, string Label)> DayTicks(IReadOnlyList<string> days, int maxLabels = 12)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLabels);
        var step = Math.Max(1, (int)Math.Ceiling(days.Count / (double)maxLabels));
        var ticks = new List<(double, string)>();
        for (var index = 0; index < days.Count; index += step)
        {
            ticks.Add((Position(days[index]), days[index]));
        }

        return ticks;
    }

    private static double Position(string day) =>
        DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue).ToOADate();

    private static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "open";
}
