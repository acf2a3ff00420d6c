import { ReliabilityBin } from '@chorus/plugin-annotation-common';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatShare } from './format';

/**
 * Calibration: per confidence bin, the share right against the mean
 * confidence; a calibrated model follows the diagonal.
 */
export function ReliabilityChart(props: {
  title: string;
  bins: ReliabilityBin[];
}) {
  const data = props.bins.map(b => ({
    confidence: b.meanConfidence,
    accuracy: b.accuracy,
    count: b.count,
  }));
  return (
    <div
      role="img"
      aria-label={`Reliability curve of ${props.title}: ${props.bins
        .map(
          b =>
            `${formatShare(
              b.accuracy,
            )} right at confidence ${b.meanConfidence.toFixed(2)} (${b.count})`,
        )
        .join('; ')}`}
    >
      <ResponsiveContainer
        width="100%"
        height={240}
        initialDimension={{ width: 400, height: 240 }}
      >
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="confidence"
            domain={[0, 1]}
            ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
            label={{
              value: 'Confidence',
              position: 'insideBottom',
              offset: -8,
            }}
          />
          <YAxis
            type="number"
            domain={[0, 1]}
            ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
            label={{ value: 'Accuracy', angle: -90, position: 'insideLeft' }}
          />
          <Tooltip
            formatter={(value: unknown, name: unknown) => [
              name === 'accuracy' ? formatShare(Number(value)) : String(value),
              String(name),
            ]}
          />
          <ReferenceLine
            segment={[
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ]}
            stroke="#999"
            strokeDasharray="4 4"
            ifOverflow="extendDomain"
          />
          <Line
            type="linear"
            dataKey="accuracy"
            stroke="#1f77b4"
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
