import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// lazy-loaded cards take a while to first render on a busy 2-core machine
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
