import {
  AnnotationQuestionSummary,
  QuestionType,
} from '@chorus/plugin-annotation-common';

const TYPE_NAMES: Record<QuestionType, string> = {
  'single-choice': 'single choice',
  'multiple-choice': 'multiple choice',
  'text-spans': 'text spans',
  'audio-segments': 'audio segments',
  'video-segments': 'video segments',
  'free-text': 'free text',
  'ordinal-rating': 'rating',
};

export function questionTypeName(type: QuestionType): string {
  return TYPE_NAMES[type] ?? type;
}

/** "Does it belong? (single choice); How severe? (rating)" */
export function summarizeQuestions(
  questions: AnnotationQuestionSummary[],
): string {
  if (!questions.length) {
    return 'No questions yet';
  }
  return questions
    .map(q => `${q.title ?? q.id} (${questionTypeName(q.type)})`)
    .join('; ');
}
