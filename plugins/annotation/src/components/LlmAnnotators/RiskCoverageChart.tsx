import { RiskCoveragePoint } from '@chorus/plugin-annotation-common';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatConfidence, formatShare } from './format';

/**
 * Precision against coverage as the threshold falls: what accepting more
 * items costs, the target precision and the recommended point marked.
 */
export function RiskCoverageChart(props: {
  title: string;
  points: RiskCoveragePoint[];
  targetPrecision: number;
  recommended?: RiskCoveragePoint;
}) {
  const { points, recommended } = props;
  return (
    <div
      role="img"
      aria-label={`Risk-coverage curve of ${props.title}: ${
        points.length
      } thresholds; target precision ${formatShare(props.targetPrecision)}${
        recommended
          ? `, reached at threshold ${formatConfidence(
              recommended.threshold,
            )} with coverage ${formatShare(recommended.coverage)}`
          : ', not reached'
      }`}
    >
      <ResponsiveContainer
        width="100%"
        height={240}
        initialDimension={{ width: 400, height: 240 }}
      >
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="coverage"
            domain={[0, 1]}
            ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
            label={{ value: 'Coverage', position: 'insideBottom', offset: -8 }}
          />
          <YAxis
            type="number"
            domain={[0, 1]}
            ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
            label={{ value: 'Precision', angle: -90, position: 'insideLeft' }}
          />
          <Tooltip
            labelFormatter={(coverage: unknown) =>
              `Coverage ${formatShare(Number(coverage))}`
            }
            formatter={(value: unknown) => [
              formatShare(Number(value)),
              'Precision',
            ]}
          />
          <ReferenceLine
            y={props.targetPrecision}
            stroke="#ff7f0e"
            strokeDasharray="4 4"
          />
          <Line
            type="stepAfter"
            dataKey="precision"
            stroke="#1f77b4"
            dot={false}
            isAnimationActive={false}
          />
          {recommended ? (
            <ReferenceDot
              x={recommended.coverage}
              y={recommended.precision}
              r={5}
              fill="#2ca02c"
              stroke="none"
            />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
