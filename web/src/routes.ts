/** The UI's pages, declared once: path, title (navigation and document title) and component. */
import type { JSX } from 'react';
import { DataPage } from './pages/DataPage';
import { ModelsPage } from './pages/ModelsPage';
import { OverviewPage } from './pages/OverviewPage';
import { PredictPage } from './pages/PredictPage';
import { TrainingPage } from './pages/TrainingPage';

export interface Route {
  path: string;
  title: string;
  page: () => JSX.Element;
}

export const ROUTES: readonly Route[] = [
  { path: '/', title: 'Overview', page: OverviewPage },
  { path: '/data', title: 'Data', page: DataPage },
  { path: '/training', title: 'Training', page: TrainingPage },
  { path: '/models', title: 'Models', page: ModelsPage },
  { path: '/predict', title: 'Predict', page: PredictPage },
];
